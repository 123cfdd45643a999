"""What the back office's index counts for the moderators: reads only, each over an index
(the pending partial index, the decisions' decided_at, the unmatched names' partial index),
never a COUNT over the whole complaint table."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from complaints.models import NOT_COUNTED, Complaint, ModerationDecision, Status


@dataclass(frozen=True)
class QueueCounts:
    pending: int
    # Decisions made since local midnight and not undone (a report decided twice counts twice).
    decided_today: int
    # Distinct unmatched city names (by key) of reports that count: the unmatched-names queue.
    unmatched_names: int
    # Pending reports marked as possible duplicates.
    duplicates: int


def local_midnight(now=None) -> datetime.datetime:
    """The start of today in the site's time zone."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def queue_counts(now=None) -> QueueCounts:
    pending = Complaint.objects.filter(status=Status.PENDING).aggregate(
        pending=Count("id"), duplicates=Count("id", filter=Q(duplicate_of__isnull=False))
    )
    decided = ModerationDecision.objects.filter(
        decided_at__gte=local_midnight(now), undone_at__isnull=True
    ).count()
    unmatched = (
        Complaint.objects.filter(city_place__isnull=True)
        .exclude(status__in=NOT_COUNTED)
        .values("city_key")
        .distinct()
        .count()
    )
    return QueueCounts(
        pending=pending["pending"],
        decided_today=decided,
        unmatched_names=unmatched,
        duplicates=pending["duplicates"],
    )
