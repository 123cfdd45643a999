"""Import of complaints collected elsewhere (an old form's CSV or XLSX), through the admin.

django-import-export runs it: upload, a dry run with a preview and an error per row, then the
import on confirmation. All or nothing: one bad row and nothing is stored (every row error is
listed, with its line). Imported complaints are marked as imported and wait in the moderation
queue like any other; their places go through the same matching as the form's.

The file: CSV separated by "," or ";", in UTF-8 (with or without BOM) or Latin-1/cp1252, or
XLSX. Columns (German headers work too, see files.HEADERS): city (required), problems
(required: slugs or German or English names, separated by ";" "," "/" or "|"), district,
postal_code, submitted_at (24.11.2011, 24.11.2011 14:05 or ISO; default: the moment of the
import), technology, frequency, since (11/2011, 11.2011 or 2011-11), location, description,
email, carrier.

The modules: files (reading a file, refusing absurd shapes), widgets (a cell's value), rows (a
row made a complaint), resource (import-export's pipeline), stream (storing the rows: COPY on
PostgreSQL), storage (the upload waiting for its confirmation, imported once).
"""

from complaints.carrier.imports.files import ImportRefused, LegacyCSV, LegacyXLSX
from complaints.carrier.imports.resource import LegacyComplaintResource
from complaints.carrier.imports.storage import ShortCacheStorage

__all__ = [
    "ImportRefused",
    "LegacyCSV",
    "LegacyComplaintResource",
    "LegacyXLSX",
    "ShortCacheStorage",
]
