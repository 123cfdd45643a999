from django.urls import path

from . import data_views, views

app_name = "reports"

urlpatterns = [
    path("", views.stats, name="stats"),
    path("print/", views.stats_print, name="print"),
    path("data/", views.data_documentation, name="data"),
    path("cities.json", views.cities_json, name="cities-json"),
    path("cities.csv", views.cities_csv, name="cities-csv"),
    # Before <slug:slug>/ as cities.json is: names with a dot are never a city's slug.
    path("cities.geojson", data_views.cities_geojson, name="cities-geojson"),
    path("datapackage.json", data_views.datapackage_json, name="datapackage"),
    path("catalog.jsonld", data_views.catalog_jsonld, name="catalog"),
    # Not "cities/": that is also the form of a city page (<slug>/ below), and a city may be
    # given any slug. A slug never has a dot, so this name is free for good, as cities.json is.
    path("cities.html", views.city_list, name="cities"),
    path("<slug:slug>/", views.city, name="city"),
    path("<slug:slug>/districts.json", views.districts_json, name="districts-json"),
    path("<slug:slug>/districts.csv", views.districts_csv, name="districts-csv"),
    path("<slug:slug>/districts.geojson", data_views.districts_geojson, name="districts-geojson"),
]
