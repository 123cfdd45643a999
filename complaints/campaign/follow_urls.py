"""Following a place: /follow/ and its confirmation and unsubscribe links."""

from django.urls import path, re_path

from . import follow_views

# A signed token (follow.token): letters, digits and ":_-."; anything else is a 404.
SIGNED = r"(?P<token>[A-Za-z0-9:_.-]{10,400})"

urlpatterns = [
    path("", follow_views.follow_place, name="follow"),
    path("sent/", follow_views.follow_sent, name="follow-sent"),
    re_path(rf"^confirm/{SIGNED}/$", follow_views.follow_confirm, name="follow-confirm"),
    re_path(
        rf"^unsubscribe/{SIGNED}/$", follow_views.follow_unsubscribe, name="follow-unsubscribe"
    ),
    re_path(
        rf"^newsletter/unsubscribe/{SIGNED}/$",
        follow_views.newsletter_unsubscribe,
        name="newsletter-unsubscribe",
    ),
]
