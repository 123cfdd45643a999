"""The widgets other sites may frame, and the badge."""

from django.urls import path

from . import embeds

app_name = "embeds"

urlpatterns = [
    path("embed/", embeds.index, name="index"),
    path("embed/counter/", embeds.counter, name="counter"),
    path("embed/<slug:slug>/", embeds.city, name="city"),
    path("badge.svg", embeds.badge, name="badge"),
]
