"""What the back office's index counts for the moderators: reads only, each over an index
(the pending partial index, the decisions' decided_at, the unmatched names' partial index),
never a COUNT over the whole complaint table."""

import datetime
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property

from complaints.models import (
    NOT_COUNTED,
    Complaint,
    ModerationDecision,
    Status,
    possibly_duplicate,
)

# The pending reports and their duplicates are counted up to this many; beyond it the index
# says "more than 10,000" (counting 180,000 pending reports took 250 ms on PostgreSQL).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class QueueCounts:
    pending: int  # at most COUNT_CAP + 1, as are the duplicates
    # Decisions made since local midnight and not undone (a report decided twice counts twice).
    decided_today: int
    # Distinct unmatched city names (by key) of reports that count: the unmatched-names queue.
    unmatched_names: int
    # Pending reports marked as possible duplicates.
    duplicates: int


def local_midnight(now=None) -> datetime.datetime:
    """The start of today in the site's time zone."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def capped_count(queryset) -> int:
    # COUNT over at most COUNT_CAP + 1 rows (a LIMIT in a subquery): the index stays cheap
    # however long the queue is.
    return queryset.order_by().values("pk")[: COUNT_CAP + 1].count()


def queue_counts(now=None) -> QueueCounts:
    pending = Complaint.objects.filter(status=Status.PENDING)
    # An auto-publish rule may decide 100,000 reports a day: every count here is capped.
    decided = capped_count(
        ModerationDecision.objects.filter(
            decided_at__gte=local_midnight(now), undone_at__isnull=True
        )
    )
    unmatched = (
        Complaint.objects.filter(city_place__isnull=True)
        .exclude(status__in=NOT_COUNTED)
        .order_by()
        .values("city_key")
        .distinct()[: COUNT_CAP + 1]
        .count()
    )
    return QueueCounts(
        pending=capped_count(pending),
        decided_today=decided,
        unmatched_names=unmatched,
        duplicates=capped_count(pending.filter(possibly_duplicate())),
    )


class CappedPaginator(Paginator):
    """The queue's pages, counted up to COUNT_CAP + 1 reports: an exact count of 180,000
    pending reports took 290 ms on every page view. Beyond, the list says "more than 10,000"
    (the templates in templates/admin/complaints/complaint/) and its last page is the 100th;
    the filters and the desk reach the rest."""

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)

    @property
    def cap(self) -> int:
        return COUNT_CAP

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP
