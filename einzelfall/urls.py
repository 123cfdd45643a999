from django.conf import settings
from django.contrib import admin
from django.contrib.flatpages import views as flatpage_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from . import crawlers, health

admin.autodiscover()  # here, not at start-up (settings: SimpleAdminConfig)
admin.site.site_header = "Einzelfall"
admin.site.site_title = "Einzelfall"
admin.site.index_title = _("Back office")


class FaviconRedirect(RedirectView):
    # The hashed name is looked up per request: at import the static files may not have been
    # collected yet (make serve runs migrate, which imports the URLs, before collectstatic).
    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


urlpatterns = [
    # Before complaints' and reports' URLs: stats/card.png is not a city's page.
    path("", include("reports.card_urls")),
    path("", include("reports.embed_urls")),
    path("", include("complaints.urls")),
    path("stats/", include("reports.urls")),
    path("open311/v2/", include("complaints.carrier.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", FaviconRedirect.as_view(permanent=True)),
    # Answered by einzelfall.health.HealthMiddleware first; here for reverse() and any stack
    # without it.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("robots.txt", crawlers.robots_txt, name="robots"),
    path("sitemap.xml", crawlers.sitemap_xml, name="sitemap"),
    path("privacy/", flatpage_views.flatpage, {"url": "/privacy/"}, name="privacy"),
    path("imprint/", flatpage_views.flatpage, {"url": "/imprint/"}, name="imprint"),
    path(settings.ADMIN_URL, admin.site.urls),
]

# A database that cannot be reached gets a friendly 503 instead of the 500 page.
handler500 = "einzelfall.views.server_error"
