from complaints.carrier import exports
from complaints.models import ExportLog

from ._export import ExportCommand


class Command(ExportCommand):
    help = "Export complaints per city, district and problem, small counts suppressed."
    kind = ExportLog.Kind.AGGREGATES

    def check_filters(self, filters):
        exports.check_aggregate_filters(filters)

    def chunks(self, filters, fmt, dialect, progress):
        rows = exports.aggregate_rows(filters)
        return exports.stream(exports.AGGREGATE_COLUMNS, rows, fmt, dialect, progress)
