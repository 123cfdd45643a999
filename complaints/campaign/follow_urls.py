"""Following a place: /follow/ and its confirmation and unsubscribe links."""

from django.urls import path

from . import follow_views

urlpatterns = [
    path("", follow_views.follow, name="follow"),
]
