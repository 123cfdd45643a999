from complaints import exports
from complaints.models import ExportLog

from ._export import ExportCommand


class Command(ExportCommand):
    help = "Export published complaints, anonymized, one row each (for the carrier)."
    kind = ExportLog.Kind.ANONYMIZED

    def columns(self):
        return exports.ANONYMIZED_COLUMNS

    def rows(self, filters):
        return exports.anonymized_rows(filters)
