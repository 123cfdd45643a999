"""Read operations for the public pages of the complaints app."""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from complaints.models import Complaint, Status
from einzelfall import cache_keys


def public_counter() -> int:
    """How many complaints the campaign has counted (all but rejected and spam).

    Cached briefly: the landing page is the page a viral spike hits, and a COUNT over a
    large table on every view would be its most expensive part. Submissions and moderation
    drop the cached value, so the count a submitter sees includes their own report.
    """
    return cache.get_or_set(cache_keys.COUNTER, _counted, settings.COUNTER_CACHE_SECONDS)


def _counted() -> int:
    """Complaint.objects.counted().count() without reading every report: the published ones
    from the rollups, the pending ones by their index, in one statement (one snapshot). A
    spike drops the cached value with every report, and a COUNT over ten million took 3 s."""
    from reports import rollups

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({rollups.PUBLISHED_TOTAL}) + (SELECT COUNT(*) FROM {Complaint._meta.db_table}"  # noqa: S608
            " WHERE status = %s)",
            [Status.PENDING],
        )
        return int(cursor.fetchone()[0])


def counted_today() -> int:
    """How many of the counted complaints were submitted since local midnight ("+N today"):
    cached and dropped with the counter (complaints/caches.py), the date in its key so that
    midnight starts a new count without anyone dropping the old one."""
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    return cache.get_or_set(
        cache_keys.counter_today(today),
        lambda: Complaint.objects.counted().filter(submitted_at__gte=midnight).count(),
        settings.COUNTER_CACHE_SECONDS,
    )
