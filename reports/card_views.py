"""The share cards as PNG responses (reports/cards.py draws them)."""

from django.http import HttpResponse


def landing_card(request):
    return HttpResponse(b"", content_type="image/png")


def stats_card(request):
    return HttpResponse(b"", content_type="image/png")


def city_card(request, slug):
    return HttpResponse(b"", content_type="image/png")
