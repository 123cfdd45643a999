from django.urls import path, re_path

from . import feeds, views

app_name = "complaints"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("report/", views.report, name="report"),
    path("places/suggest/", views.place_suggest, name="place-suggest"),
    path("updates/", views.updates, name="updates"),
    path("updates/feed/", feeds.UpdatesAtomFeed(), name="updates-atom"),
    path("updates/rss/", feeds.UpdatesRSSFeed(), name="updates-rss"),
    re_path(r"^updates/(?P<slug>[-a-zA-Z0-9_]{1,220})/$", views.update, name="update"),
    # Only what new_reference() can produce; anything else is a 404 without a database query.
    re_path(r"^report/thanks/(?P<reference>[A-Za-z0-9_-]{16,64})/$", views.thanks, name="thanks"),
    re_path(
        r"^report/thanks/(?P<reference>[A-Za-z0-9_-]{16,64})/delete/$",
        views.delete,
        name="delete",
    ),
    path("report/deleted/", views.deleted, name="deleted"),
    path("report/received/", views.received, name="received"),
    # A signed token (confirmation.token): letters, digits and ":_-"; anything else is a 404.
    re_path(r"^report/confirm/(?P<token>[A-Za-z0-9:_-]{10,300})/$", views.confirm, name="confirm"),
    re_path(
        r"^report/followup/(?P<token>[A-Za-z0-9:_-]{10,300})/$", views.followup, name="followup"
    ),
    re_path(
        r"^report/followup/(?P<token>[A-Za-z0-9:_-]{10,300})/unsubscribe/$",
        views.followup_unsubscribe,
        name="followup-unsubscribe",
    ),
]
