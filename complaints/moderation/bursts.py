"""Fraud forensics: bursts of reports from one network, one email domain, or with
near-identical descriptions, within a short window (README: bursts).

A report is in a burst of a kind when at least BURST_MIN_SIZE reports with its key (itself
included, any status) were submitted within BURST_WINDOW_MINUTES of each other, i.e. within
one window of that length that holds it. Its burst is every report of the windows that hold
it and enough reports: all of them are in the burst too, so the desk, the burst page and the
auto-publish rules agree on who is in it. The keys are made at submission
(intake/forensics.py); the network's and the domain's change at midnight, so a burst across
midnight counts as two.
"""

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, QuerySet
from django.utils.translation import ngettext

from complaints import services
from complaints.models import Complaint, ModerationDecision, Status

# The kinds, their fields (with an index on (field, submitted_at) each), in the desk's order.
KINDS = {
    "network": "network_hash",
    "domain": "email_domain_hash",
    "text": "description_fingerprint",
}


@dataclass(frozen=True)
class Burst:
    kind: str  # "network" | "domain" | "text"
    label: str  # what the moderator reads, e.g. "12 reports from one network within 30 minutes"
    size: int  # reports in the burst (all statuses), this one included
    pending: int  # of them still pending


@dataclass(frozen=True)
class BurstReports:
    """What the burst page shows: the burst and its reports (oldest first)."""

    burst: Burst
    first: datetime.datetime
    last: datetime.datetime
    ids: list[int]  # all of the burst's reports
    pending_ids: list[int]


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.BURST_WINDOW_MINUTES)


def _min_size() -> int:
    return max(settings.BURST_MIN_SIZE, 2)


def label(kind: str, size: int, first: datetime.datetime, last: datetime.datetime) -> str:
    """The moderator's words for a burst: its size and the minutes it spans (at least one);
    never its key, its network or its domain."""
    minutes = max(1, -(-int((last - first).total_seconds()) // 60))
    values = {"size": size, "minutes": minutes}
    if kind == "network":
        text = ngettext(
            "%(size)d reports from one network within %(minutes)d minute",
            "%(size)d reports from one network within %(minutes)d minutes",
            minutes,
        )
    elif kind == "domain":
        text = ngettext(
            "%(size)d reports from one email domain within %(minutes)d minute",
            "%(size)d reports from one email domain within %(minutes)d minutes",
            minutes,
        )
    else:
        text = ngettext(
            "%(size)d reports with near-identical descriptions within %(minutes)d minute",
            "%(size)d reports with near-identical descriptions within %(minutes)d minutes",
            minutes,
        )
    return text % values


def _marked(times: list[datetime.datetime]) -> list[bool]:
    """For times sorted ascending: which of them are in a window of BURST_WINDOW_MINUTES that
    holds at least BURST_MIN_SIZE of them (a sliding window, linear)."""
    window, size = _window(), _min_size()
    marked = [False] * len(times)
    end = 0  # first index past the window starting at times[start]
    marked_until = 0  # first index not marked yet by an earlier window
    for start, begins in enumerate(times):
        end = max(end, start)
        while end < len(times) and times[end] - begins <= window:
            end += 1
        if end - start >= size:
            for index in range(max(start, marked_until), end):
                marked[index] = True
            marked_until = max(marked_until, end)
    return marked


def _around(times: list[datetime.datetime], at: int) -> tuple[int, int] | None:
    """The burst around times[at] (sorted ascending): the index range [first, last) of all
    windows holding it and enough reports, or None when there is none."""
    window, size = _window(), _min_size()
    first = last = None
    # A window holding times[at] can be taken to start at one of the reports before it.
    for start in range(bisect.bisect_left(times, times[at] - window), at + 1):
        end = bisect.bisect_right(times, times[start] + window)
        if end - start >= size and end > at:
            first = start if first is None else first
            last = end if last is None else max(last, end)
    return None if first is None else (first, last)


def _nearby(complaint: Complaint, field: str) -> list[tuple]:
    """(submitted_at, id, status) of the reports with the complaint's key within one window
    either side of it (every window holding it lies there), oldest first; empty when too few
    for any burst: the usual case, one COUNT on the kind's index."""
    window = _window()
    nearby = Complaint.objects.exclude(**{field: ""}).filter(
        **{field: getattr(complaint, field)},
        submitted_at__gte=complaint.submitted_at - window,
        submitted_at__lte=complaint.submitted_at + window,
    )
    if nearby.count() < _min_size():
        return []
    return list(nearby.order_by("submitted_at", "pk").values_list("submitted_at", "pk", "status"))


def burst_around(complaint: Complaint, kind: str) -> BurstReports | None:
    """The burst of that kind around the complaint, or None when it is in none."""
    field = KINDS[kind]
    rows = _nearby(complaint, field) if getattr(complaint, field) else []
    at = next((i for i, row in enumerate(rows) if row[1] == complaint.pk), None)
    found = _around([row[0] for row in rows], at) if at is not None else None
    if found is None:  # (at is None: no burst nearby, or deleted a moment ago)
        return None
    members = rows[found[0] : found[1]]
    pending_ids = [pk for _at, pk, status in members if status == Status.PENDING]
    first, last = members[0][0], members[-1][0]
    burst = Burst(
        kind=kind,
        label=label(kind, len(members), first, last),
        size=len(members),
        pending=len(pending_ids),
    )
    return BurstReports(burst, first, last, [pk for _at, pk, _s in members], pending_ids)


def bursts_of(complaint: Complaint) -> list[Burst]:
    """The bursts this complaint belongs to (empty when none): one indexed COUNT per key it
    has, and only for a likely burst a read of the reports around it."""
    found = (burst_around(complaint, kind) for kind in KINDS)
    return [reports.burst for reports in found if reports is not None]


def burst_members(complaints: QuerySet[Complaint]) -> set[int]:
    """The ids of those of `complaints` that belong to any burst.

    Per kind, in SQL: the keys of these complaints that have enough reports (any status)
    between their first and last submission, give or take a window; then the submission times
    of those keys only, through a sliding window."""
    # Their ids and times, read once: PostgreSQL plans MIN/MAX over "id IN (...)" as a walk
    # along the time index that reads the whole table.
    times = dict(complaints.values_list("pk", "submitted_at"))
    if not times:
        return set()
    if complaints.query.is_sliced:  # (a slice cannot be filtered further)
        complaints = Complaint.objects.filter(pk__in=list(times))
    window = _window()
    between = {
        "submitted_at__gte": min(times.values()) - window,
        "submitted_at__lte": max(times.values()) + window,
    }
    members = set()
    for field in KINDS.values():
        keys = complaints.exclude(**{field: ""}).values(field)
        # The partial index's own condition (key <> '') stated: PostgreSQL does not infer it
        # from "key IN (subquery)", and without it would not use the index.
        with_key = Complaint.objects.exclude(**{field: ""}).filter(**between)
        busy = (
            with_key.filter(**{f"{field}__in": keys})
            .values(field)
            .annotate(reports=Count("pk"))
            .filter(reports__gte=_min_size())
            .values(field)
        )
        rows = (
            with_key.filter(**{f"{field}__in": busy})
            .order_by(field, "submitted_at", "pk")
            .values_list(field, "submitted_at", "pk")
        )
        by_key = defaultdict(list)
        for key, submitted_at, pk in rows.iterator(chunk_size=5000):
            by_key[key].append((submitted_at, pk))
        for reports in by_key.values():
            marked = _marked([submitted_at for submitted_at, _pk in reports])
            members.update(pk for (_at, pk), inside in zip(reports, marked, strict=True) if inside)
    return members & times.keys()


def burst_mark_spam(
    *, complaint: Complaint, kind: str, ids: Iterable[int], moderator: AbstractBaseUser
) -> int:
    """Mark as spam those of `ids` (the reports the moderator was shown and confirmed) that
    are still pending reports of the burst of that kind around the complaint; each is recorded
    as a decision via the burst. Returns how many changed."""
    found = burst_around(complaint, kind)
    if found is None:
        return 0
    chosen = set(found.pending_ids) & set(ids)
    return services.complaints_moderate(
        complaints=Complaint.objects.filter(pk__in=chosen, status=Status.PENDING),
        status=Status.SPAM,
        moderator=moderator,
        via=ModerationDecision.Via.BURST,
    )
