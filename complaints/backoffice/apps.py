"""The admin app with the project's own default site (complaints/backoffice/site.py).

Without autodiscovery at start-up, like SimpleAdminConfig: einzelfall/urls.py discovers the
admin modules, so management commands start without loading them."""

from django.contrib.admin.apps import SimpleAdminConfig


class AdminConfig(SimpleAdminConfig):
    default_site = "complaints.backoffice.site.EinzelfallAdminSite"
