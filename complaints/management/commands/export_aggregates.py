from complaints.models import ExportLog

from ._export import ExportCommand


class Command(ExportCommand):
    help = "Export complaints per city, district and problem, small counts suppressed."
    kind = ExportLog.Kind.AGGREGATES
