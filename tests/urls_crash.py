"""The site's URLs plus one that fails, to see the 500 page as a visitor would."""

from django.db import OperationalError
from django.urls import path

from einzelfall.urls import urlpatterns as site_urlpatterns


def crash(request):
    raise RuntimeError("boom")


def database_gone(request):
    raise OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed')


urlpatterns = [path("crash/", crash), path("database-gone/", database_gone), *site_urlpatterns]
handler500 = "einzelfall.views.server_error"
