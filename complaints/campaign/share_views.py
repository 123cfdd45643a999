"""Sharing: the redirect to the Mastodon instance a person names (sharing.py builds links)."""

from django.http import HttpResponse


def mastodon(request):
    return HttpResponse("")
