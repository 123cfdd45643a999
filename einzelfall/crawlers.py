"""What search engines read: /robots.txt and /sitemap.xml.

Absolute links are made from the request's host, as every other absolute link of the site
(complaints/campaign/feeds.py says why not from the sites framework's Site)."""

import hashlib

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.contrib.sitemaps import Sitemap
from django.contrib.sites.requests import RequestSite
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from complaints.campaign import selectors as campaign_selectors
from reports import selectors as report_selectors

# Pages that hold a private link (a report's reference, a signed token): never crawled, even
# when someone posts such a link where a crawler finds it.
PRIVATE_PREFIXES = [
    "/report/thanks/",
    "/report/confirm/",
    "/report/followup/",
    "/follow/confirm/",
    "/follow/unsubscribe/",
    "/follow/newsletter/",
    "/share/",
]
ROBOTS_MAX_AGE = 24 * 60 * 60
# As long as the evaluation is cached (reports/selectors.py CACHE_SECONDS).
SITEMAP_MAX_AGE = report_selectors.CACHE_SECONDS


class PageSitemap(Sitemap):
    """The public pages that are always there."""

    def items(self):
        return [
            "complaints:landing",
            "complaints:report",
            "reports:stats",
            "reports:cities",
            "reports:data",
            "complaints:updates",
        ]

    def location(self, item):
        return reverse(item)


class FlatPageSitemap(Sitemap):
    """The privacy notice and the imprint (flat pages the organizer edits), when there."""

    def items(self):
        return FlatPage.objects.filter(
            url__in=[reverse("privacy"), reverse("imprint")],
            registration_required=False,
            sites=settings.SITE_ID,
        ).order_by("url")

    def location(self, item):
        return item.url


class UpdateSitemap(Sitemap):
    def items(self):
        return campaign_selectors.published_updates()

    def lastmod(self, item):
        return item.updated_at


class CitySitemap(Sitemap):
    """The city pages the evaluation shows: a city with too few reports to show is not listed
    (its page exists, but says nothing)."""

    def items(self):
        return report_selectors.evaluation().shown_cities

    def location(self, item):
        return reverse("reports:city", args=[item.slug])


SITEMAPS = [PageSitemap(), FlatPageSitemap(), UpdateSitemap(), CitySitemap()]


def _cacheable(request, body: bytes, content_type: str, max_age: int) -> HttpResponse:
    # The ETag follows the content: a crawler that asks again gets a 304 while nothing changed.
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        body, content_type=content_type
    )
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _disallowed() -> list[str]:
    paths = list(PRIVATE_PREFIXES)
    # The back office only when it is at the usual /admin/: a path of its own (ADMIN_URL) is
    # meant to be found by no scanner, and robots.txt is the first thing they read. Its pages
    # tell crawlers themselves not to index them (the admin's robots meta tag).
    if settings.ADMIN_URL == "admin/":
        paths.append("/admin/")
    return paths


@require_safe
def robots_txt(request):
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in _disallowed()]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}", ""]
    body = "\n".join(lines).encode()
    return _cacheable(request, body, "text/plain; charset=utf-8", ROBOTS_MAX_AGE)


@require_safe
def sitemap_xml(request):
    site = RequestSite(request)
    urls = [
        url for sitemap in SITEMAPS for url in sitemap.get_urls(site=site, protocol=request.scheme)
    ]
    body = render_to_string("sitemap.xml", {"urlset": urls}).encode()
    response = _cacheable(request, body, "application/xml; charset=utf-8", SITEMAP_MAX_AGE)
    # The sitemap is for crawlers, not a page to show in search results.
    response["X-Robots-Tag"] = "noindex, noarchive"
    return response
