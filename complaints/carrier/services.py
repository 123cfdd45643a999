"""The carrier package's writes: the record of every export (ExportLog)."""

from collections.abc import Callable, Iterator

from django.contrib.auth.base_user import AbstractBaseUser

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
) -> Iterator[bytes]:
    """The export file in chunks of bytes (exports.export_file), recorded in ExportLog.

    The record is written at once; its row count and completed flag when the last chunk has
    been taken, so an export broken off stays incomplete. via: "admin" or "command"."""
    log = ExportLog.objects.create(
        user=user,
        via=via,
        kind=kind,
        format=fmt,
        dialect=dialect if fmt == "csv" else "",
        filters=filters.as_dict(),
    )
    return _completed(log, lambda count: export_file(kind, filters, fmt, dialect, count), progress)


def _completed(log: ExportLog, chunks, progress) -> Iterator[bytes]:
    """The chunks of the export, counted; the log completed after the last one."""
    rows = 0

    def counted(count):
        nonlocal rows
        rows = count
        if progress:
            progress(count)

    yield from chunks(counted)
    ExportLog.objects.filter(pk=log.pk).update(rows=rows, completed=True)
