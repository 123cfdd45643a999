from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from complaints import checks  # noqa: F401  (registers the login lock and the checks)
        from complaints.backoffice import auth  # noqa: F401  (registers the login lock and the checks)
