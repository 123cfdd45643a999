from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Evaluation")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import rollups

        post_migrate.connect(rollups.forget_if_empty, sender=self)
