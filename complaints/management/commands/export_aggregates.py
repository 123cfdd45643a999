from complaints import exports
from complaints.models import ExportLog

from ._export import ExportCommand


class Command(ExportCommand):
    help = "Export complaints per city, district and problem, small counts suppressed."
    kind = ExportLog.Kind.AGGREGATES

    def columns(self):
        return exports.AGGREGATE_COLUMNS

    def rows(self, filters):
        return exports.aggregate_rows(filters)
