"""The share cards' images (og:image): one for the landing page, /stats/ and every city."""

from django.urls import path

from . import card_views

app_name = "cards"

urlpatterns = [
    path("card.png", card_views.landing_card, name="landing"),
    path("stats/card.png", card_views.stats_card, name="stats"),
    path("stats/<slug:slug>/card.png", card_views.city_card, name="city"),
]
