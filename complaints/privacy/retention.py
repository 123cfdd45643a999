"""Retention: personal data is blanked once its time is up. The redacted description and
everything counted stay, so that a purged report still counts and exports the same."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from complaints.models import Complaint, Follower

BATCH = 2000
# An unconfirmed follower's confirmation link lives this long (complaints/campaign/follow.py);
# after that the row, with its address, is deleted (unconfirmed_followers_purge).
UNCONFIRMED_FOLLOWER_DAYS = 7
# A follower's mails stop after this many failures in a row (complaints/campaign/digests.py);
# BOUNCING_FOLLOWER_DAYS after their last mail that arrived (or their confirmation), the row
# and its address are deleted (bouncing_followers_purge): an address nobody reads is no
# longer subscribed. The grace period lets a mail server's outage of a few days pass.
FOLLOWER_MAX_FAILURES = 5
BOUNCING_FOLLOWER_DAYS = 30


def personal_data_purge(
    *, now: datetime.datetime, personal_days: int | None = None, dry_run: bool = False
) -> list[tuple[str, int]]:
    """Blank email addresses, original descriptions and follow-up comments older than
    `personal_days` (default PERSONAL_DATA_RETENTION_DAYS), and address hashes (with the
    network's and the email domain's, intake/forensics.py, and the browser's report id, which
    links a phone's offline queue to its report) older than IP_HASH_RETENTION_DAYS
    (or `personal_days`, when shorter), counted back from `now`.

    Returns what was blanked, as (what, how many rows); with dry_run, what would be.
    Idempotent. Each batch of BATCH rows is its own short transaction: no long lock.
    """
    if personal_days is None:
        personal_days = settings.PERSONAL_DATA_RETENTION_DAYS
    hash_days = min(settings.IP_HASH_RETENTION_DAYS, personal_days)
    steps = [
        (
            "email addresses, original descriptions and follow-up comments",
            Q(submitted_at__lt=now - datetime.timedelta(days=personal_days))
            & (~Q(email="") | ~Q(description="") | ~Q(followup_comment="")),
            {"email": "", "description": "", "followup_comment": ""},
        ),
        (
            "address hashes",
            Q(submitted_at__lt=now - datetime.timedelta(days=hash_days))
            & (
                ~Q(ip_hash="")
                | ~Q(network_hash="")
                | ~Q(email_domain_hash="")
                | Q(client_id__isnull=False)
            ),
            {"ip_hash": "", "network_hash": "", "email_domain_hash": "", "client_id": None},
        ),
    ]
    if dry_run:
        return [
            (label, Complaint.objects.filter(condition).count()) for label, condition, _ in steps
        ]
    return [(label, _blank(condition, blank)) for label, condition, blank in steps]


def _blank(condition: Q, blank: dict[str, str | None]) -> int:
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Complaint.objects.filter(condition)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                return total
            total += Complaint.objects.filter(pk__in=ids).update(**blank)


def unconfirmed_followers_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Delete the followers who never confirmed, once their confirmation link has expired:
    their address was kept only for that link. How many rows went (would go)."""
    stale = Follower.objects.filter(
        confirmed_at__isnull=True,
        created_at__lt=now - datetime.timedelta(days=UNCONFIRMED_FOLLOWER_DAYS),
    )
    return stale.count() if dry_run else stale.delete()[0]


def bouncing_followers_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Delete the followers whose mails keep failing (FOLLOWER_MAX_FAILURES in a row), once
    BOUNCING_FOLLOWER_DAYS have passed since their last digest that went out (or since they
    confirmed, when none did). How many rows went (would go)."""
    cutoff = now - datetime.timedelta(days=BOUNCING_FOLLOWER_DAYS)
    bouncing = Follower.objects.filter(digest_failures__gte=FOLLOWER_MAX_FAILURES).filter(
        Q(digest_sent_at__lt=cutoff)
        | Q(digest_sent_at__isnull=True, confirmed_at__lt=cutoff)
        | Q(digest_sent_at__isnull=True, confirmed_at__isnull=True, created_at__lt=cutoff)
    )
    return bouncing.count() if dry_run else bouncing.delete()[0]
