"""The carrier package's writes: the record of every export (ExportLog)."""

from collections.abc import Callable, Iterator

from django.contrib.auth.base_user import AbstractBaseUser

from complaints.carrier.accounts import scoped
from complaints.carrier.exports import Filters, export_file
from complaints.models import ExportLog


def export_recorded(
    *,
    kind: str,
    fmt: str,
    dialect: str,
    filters: Filters,
    via: str,
    user: AbstractBaseUser | None = None,
    progress: Callable[[int], None] | None = None,
    complete_at_end: bool = True,
) -> "RecordedExport":
    """The export file in chunks of bytes (exports.export_file), recorded in ExportLog.

    The record is written at once; its row count and completed flag when the last chunk has
    been taken (complete_at_end), or when the caller says the file is written
    (RecordedExport.complete, after its own flush or close), so an export broken off stays
    incomplete. via: "admin" or "command".

    Every export passes here: a carrier user's filters are narrowed to its carrier
    (accounts.scoped: PermissionDenied for one without a carrier), and the record says whose
    complaints the file holds."""
    filters = scoped(filters, user)
    log = ExportLog.objects.create(
        user=user,
        via=via,
        kind=kind,
        format=fmt,
        dialect=dialect if fmt == "csv" else "",
        filters=filters.as_dict(),
        carrier=filters.carrier,
    )
    return RecordedExport(
        log,
        lambda count: export_file(kind, filters, fmt, dialect, count),
        progress,
        complete_at_end,
    )


class RecordedExport(Iterator[bytes]):
    """The chunks of a recorded export, counted."""

    def __init__(self, log: ExportLog, chunks, progress, complete_at_end: bool):
        self.log, self.rows = log, 0
        self._progress, self._complete_at_end = progress, complete_at_end
        self._chunks = iter(chunks(self._counted))

    def _counted(self, count: int) -> None:
        self.rows = count
        if self._progress:
            self._progress(count)

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            if self._complete_at_end:
                self.complete()
            raise

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close:
            close()

    def complete(self) -> None:
        ExportLog.objects.filter(pk=self.log.pk).update(rows=self.rows, completed=True)
