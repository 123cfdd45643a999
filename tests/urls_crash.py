"""The site's URLs plus one that fails, to see the 500 page as a visitor would."""

from django.urls import path

from einzelfall.urls import urlpatterns as site_urlpatterns


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash), *site_urlpatterns]
