from django.urls import include, path, re_path

from complaints import views
from complaints.campaign import feeds
from complaints.campaign import views as campaign_views
from complaints.carrier import public_views as carrier_public_views
from complaints.intake import views as intake_views
from complaints.places import nearest_views
from complaints.places import views as place_views

app_name = "complaints"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("report/", intake_views.report, name="report"),
    path("report/token/", intake_views.report_token, name="report-token"),
    path("places/suggest/", place_views.place_suggest, name="place-suggest"),
    path("places/nearest/", nearest_views.nearest, name="place-nearest"),
    path("places/centroids.json", nearest_views.centroids, name="place-centroids"),
    # The installable app: manifest, service worker (at the root: its scope is the whole
    # site), icons.
    path("", include("complaints.pwa.urls")),
    path("updates/", campaign_views.updates, name="updates"),
    path("follow/", include("complaints.campaign.follow_urls")),
    path("share/", include("complaints.campaign.share_urls")),
    # Under /stats/ with the other open data; before reports' stats/<city>/ in the URLconf.
    path(
        "stats/statements.json",
        carrier_public_views.statements_json,
        name="statements-json",
    ),
    path("stats/statements.csv", carrier_public_views.statements_csv, name="statements-csv"),
    path("updates/feed/", feeds.UpdatesAtomFeed(), name="updates-atom"),
    path("updates/rss/", feeds.UpdatesRSSFeed(), name="updates-rss"),
    re_path(r"^updates/(?P<slug>[-a-zA-Z0-9_]{1,220})/$", campaign_views.update, name="update"),
    # Only what new_reference() can produce; anything else is a 404 without a database query.
    re_path(
        r"^report/thanks/(?P<reference>[A-Za-z0-9_-]{16,64})/$", intake_views.thanks, name="thanks"
    ),
    re_path(
        r"^report/thanks/(?P<reference>[A-Za-z0-9_-]{16,64})/delete/$",
        intake_views.delete,
        name="delete",
    ),
    path("report/deleted/", intake_views.deleted, name="deleted"),
    path("report/received/", intake_views.received, name="received"),
    # A signed token (confirmation.token): letters, digits and ":_-"; anything else is a 404.
    re_path(
        r"^report/confirm/(?P<token>[A-Za-z0-9:_-]{10,300})/$", intake_views.confirm, name="confirm"
    ),
    re_path(
        r"^report/followup/(?P<token>[A-Za-z0-9:_-]{10,300})/$",
        campaign_views.followup,
        name="followup",
    ),
    re_path(
        r"^report/followup/(?P<token>[A-Za-z0-9:_-]{10,300})/unsubscribe/$",
        campaign_views.followup_unsubscribe,
        name="followup-unsubscribe",
    ),
]
