"""Sharing a page: the hand-over to a Mastodon instance the person chooses."""

from django.urls import path

from . import share_views

urlpatterns = [
    path("mastodon/", share_views.mastodon, name="share-mastodon"),
]
