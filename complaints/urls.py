from django.urls import path, re_path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("report/", views.report, name="report"),
    path("places/suggest/", views.place_suggest, name="place-suggest"),
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
]
