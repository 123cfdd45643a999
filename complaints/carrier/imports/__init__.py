"""Import of complaints collected elsewhere (an old form's CSV or XLSX), through the admin.

django-import-export runs it: upload, a dry run with a preview and an error per row, then the
import on confirmation. All or nothing: one bad row and nothing is stored (every row error is
listed, with its line). Imported complaints are marked as imported and wait in the moderation
queue like any other; their places go through the same matching as the form's.

The file: CSV separated by "," or ";", in UTF-8 (with or without BOM) or Latin-1/cp1252, or
XLSX. Columns (German headers work too, see files.HEADERS): city (required), problems
(required: slugs or German or English names, separated by ";" "," "/" or "|"; a name with
"/" in it, as "Kein Netz / kein Empfang", is one name), district, postal_code, submitted_at
or submitted_on (24.11.2011, 24.11.2011 14:05 or ISO; a date alone is noon; default: the
moment of the import), technology, frequency, since (11/2011, 11.2011 or 2011-11), location,
description, email, carrier, pseudonym.

A carrier export imports back as it is: its pseudonyms are kept, and a row whose pseudonym
a stored complaint has is skipped, not updated (the export holds the redacted description
and no personal data: an update would overwrite the original with less); so a file imported
twice stores its rows once. Columns no field takes (the export's state, ags, latitude,
longitude: the gazetteer's, found again by the matching) are listed in the preview.

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
