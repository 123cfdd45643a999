"""The report limits counted in the database, while Redis cannot be reached (abuse.py: the
section "without the cache"): from the address hashes of the reports stored."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_ratelimit import core as ratelimit_core


def over_limit_in_database(ip: str) -> int:
    """REPORT_RATE_LIMITS counted from the reports stored in the last period from this client
    (its address hashes of the days the period spans): 0 when every limit allows one more,
    else the seconds until the oldest of them leaves the period. Without a shared count in
    Redis, two reports sent at the same moment may both pass the last free place."""
    from complaints.models import Complaint

    from .abuse import ip_hash  # abuse imports this module

    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return 0
    now = timezone.now()
    today = timezone.localdate()
    wait = 0
    for rate in settings.REPORT_RATE_LIMITS:
        limit, period = ratelimit_core._split_rate(rate)
        days = period // 86400 + 2  # the hash changes at midnight: every day the period touches
        hashes = [ip_hash(ip, today - datetime.timedelta(days=day)) for day in range(days)]
        since = now - datetime.timedelta(seconds=period)
        latest = list(
            Complaint.objects.filter(ip_hash__in=hashes, submitted_at__gte=since)
            .order_by("-submitted_at")
            .values_list("submitted_at", flat=True)[:limit]
        )
        if len(latest) >= limit:
            free_at = latest[-1] + datetime.timedelta(seconds=period)
            wait = max(wait, int((free_at - now).total_seconds() + 0.999), 1)
    return wait
