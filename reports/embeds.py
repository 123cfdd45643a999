"""Widgets: small pages made to be framed by any site, the SVG badge, and the page with the
snippets to copy."""

from django.http import HttpResponse


def index(request):
    return HttpResponse("")


def counter(request):
    return HttpResponse("")


def city(request, slug):
    return HttpResponse("")


def badge(request):
    return HttpResponse("", content_type="image/svg+xml")
