from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.stats, name="stats"),
    path("print/", views.stats_print, name="print"),
    path("data/", views.data_documentation, name="data"),
    path("cities.json", views.cities_json, name="cities-json"),
    path("cities.csv", views.cities_csv, name="cities-csv"),
    # Not "cities/": that is also the form of a city page (<slug>/ below), and a city may be
    # given any slug. A slug never has a dot, so this name is free for good, as cities.json is.
    path("cities.html", views.city_list, name="cities"),
    path("<slug:slug>/", views.city, name="city"),
    path("<slug:slug>/districts.json", views.districts_json, name="districts-json"),
    path("<slug:slug>/districts.csv", views.districts_csv, name="districts-csv"),
]
