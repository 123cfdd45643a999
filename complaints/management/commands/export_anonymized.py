from complaints.models import ExportLog

from ._export import ExportCommand


class Command(ExportCommand):
    help = "Export published complaints, anonymized, one row each (for the carrier)."
    kind = ExportLog.Kind.ANONYMIZED
