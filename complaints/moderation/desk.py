"""The moderation desk's services: one pending report at a time, claimed for one moderator.

A claim (Complaint.desk_claimed_by/until) is taken by a conditional UPDATE, so two moderators
asking at the same moment never get the same report, on any database: the second UPDATE finds
the row claimed and matches nothing. A claim lapses after DESK_CLAIM_SECONDS; a decision
(services.complaints_moderate) releases it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from complaints import services, text
from complaints.models import (
    DESCRIPTION_REDACTED_MAX_LENGTH,
    Complaint,
    ModerationDecision,
    RejectionReason,
    Status,
)
from complaints.moderation import selectors

# Candidates read at once: more than the moderators who may be racing for the same ones.
CANDIDATES = 8
DECISIONS = {"publish": Status.PUBLISHED, "reject": Status.REJECTED, "spam": Status.SPAM}
# What a card shows of a report, and nothing else: no personal field is even read.
CARD_FIELDS = [
    "pk",
    "carrier",
    "city",
    "district",
    "postal_code",
    "city_place__name",
    "district_place__name",
    "technology",
    "frequency",
    "since",
    "location",
    "description_redacted",
    "email_confirmed_at",
    "imported",
    "submitted_at",
    "observed_at",
    "made_offline",
    "status",
    "rejection_reason__name_de",
    "rejection_reason__name_en",
    "duplicate_of",
    "moderated_at",
    "moderated_by_rule",
    "moderated_by__username",
    "desk_claimed_by",
    "desk_claimed_until",
    # Read for bursts_of only (which groups by them); never shown.
    "network_hash",
    "email_domain_hash",
    "description_fingerprint",
]
DUPLICATE_FIELDS = [
    "pk",
    "city",
    "district",
    "city_place__name",
    "district_place__name",
    "technology",
    "frequency",
    "description_redacted",
    "submitted_at",
    "status",
    "duplicate_of",
]
DUPLICATES_SHOWN = 3


class Stale(Exception):
    """A decision that cannot be made as asked (decided or claimed meanwhile, no such report,
    an inactive reason, a text too long); `code` says which."""

    def __init__(self, code: str, complaint_id: int | None = None):
        super().__init__(code)
        self.code = code
        self.complaint_id = complaint_id


@dataclass(frozen=True)
class Decided:
    complaint_id: int
    status: str
    reason: RejectionReason | None
    recorded: bool = True  # False: the report already had this decision (its text was saved)


def _free_or_mine(moderator, now) -> Q:
    return (
        Q(desk_claimed_until__isnull=True)
        | Q(desk_claimed_until__lt=now)
        | Q(desk_claimed_by=moderator)
    )


def desk_claim(*, complaint_id: int, moderator: AbstractBaseUser) -> bool:
    """Claim (or extend the claim on) a pending report for `moderator`: False when it is no
    longer pending or another moderator holds it."""
    now = timezone.now()
    until = now + datetime.timedelta(seconds=settings.DESK_CLAIM_SECONDS)
    return bool(
        Complaint.objects.filter(pk=complaint_id, status=Status.PENDING)
        .filter(_free_or_mine(moderator, now))
        .update(desk_claimed_by=moderator, desk_claimed_until=until)
    )


def desk_next(*, moderator: AbstractBaseUser, skipped=()) -> int | None:
    """The oldest pending report nobody else holds, except `skipped`, claimed for `moderator`
    (its id), or None when there is none."""
    for _attempt in range(3):
        now = timezone.now()
        # The partial index complaint_pending_idx (submitted_at, id) gives them in order.
        candidates = list(
            Complaint.objects.filter(status=Status.PENDING)
            .filter(_free_or_mine(moderator, now))
            .exclude(pk__in=list(skipped))
            .order_by("submitted_at", "id")
            .values_list("pk", flat=True)[:CANDIDATES]
        )
        if not candidates:
            return None
        for pk in candidates:
            if desk_claim(complaint_id=pk, moderator=moderator):
                return pk
    return None


def desk_release(*, complaint_id: int, moderator: AbstractBaseUser) -> None:
    """Give back the moderator's claim on a report (skipped, or left for another)."""
    Complaint.objects.filter(pk=complaint_id, desk_claimed_by=moderator).update(
        desk_claimed_by=None, desk_claimed_until=None
    )


def desk_reasons() -> list[RejectionReason]:
    """The reasons offered at the desk: the first nine active ones, keys 1 to 9."""
    return list(RejectionReason.objects.filter(is_active=True).order_by("position", "pk")[:9])


def desk_pending_count() -> int:
    """How many reports are pending, counted up to selectors.COUNT_CAP + 1: an exact count of
    a viral week's queue would cost more than the rest of a decision."""
    return selectors.capped_count(Complaint.objects.filter(status=Status.PENDING))


def desk_card(complaint_id: int) -> Complaint | None:
    """The report as the card shows it: only the fields a moderator may see, its problems."""
    return (
        Complaint.objects.filter(pk=complaint_id)
        .select_related("city_place", "district_place", "moderated_by", "rejection_reason")
        .only(*CARD_FIELDS)
        .prefetch_related("problems")
        .first()
    )


def desk_duplicates(complaint: Complaint) -> list[Complaint]:
    """Reports that may be the same as this one: the one it is marked a duplicate of, those
    marked duplicates of it, and those marked duplicates of the same one."""
    related = Q(duplicate_of=complaint.pk)
    if complaint.duplicate_of_id is not None:
        related |= Q(pk=complaint.duplicate_of_id) | Q(duplicate_of=complaint.duplicate_of_id)
    return list(
        Complaint.objects.filter(related)
        .exclude(pk=complaint.pk)
        .select_related("city_place", "district_place")
        .only(*DUPLICATE_FIELDS)
        .prefetch_related("problems")
        .order_by("submitted_at", "id")[:DUPLICATES_SHOWN]
    )


def _reason(status: str, reason_id: int | None) -> RejectionReason | None:
    if status != Status.REJECTED:
        return None
    reason = None
    if reason_id is not None:
        reason = RejectionReason.objects.filter(pk=reason_id, is_active=True).first()
    if reason is None:
        raise Stale("reason")
    return reason


@transaction.atomic
def desk_decide(
    *,
    moderator: AbstractBaseUser,
    complaint_id: int | None,
    decision: str,
    reason_id: int | None = None,
    status_shown: str = Status.PENDING,
    redacted: str | None = None,
    redacted_shown: str = "",
) -> Decided:
    """Decide on the report the desk showed: publish, reject (with an active reason) or spam,
    saving the moderator's correction of its redacted text first. `status_shown` is the
    status the card showed: a report decided by someone else since then, or held by another
    moderator, is left alone (Stale). `redacted_shown` is the fingerprint of the text shown."""
    status = DECISIONS.get(decision)
    if status is None or complaint_id is None:
        raise Stale("invalid", complaint_id)
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    _check_fresh(complaint, complaint_id, moderator, status_shown)
    reason = _reason(status, reason_id)
    edited = redacted is not None and services.redacted_fingerprint(redacted) != redacted_shown
    if not edited and (complaint.status, complaint.rejection_reason) == (status, reason):
        # A report shown again (k) decided as it already was: nothing is recorded, and an
        # "u to undo" would undo another report.
        raise Stale("unchanged", complaint.pk)
    if edited:
        _save_text(complaint, redacted, redacted_shown, moderator)
    changed = services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=complaint.pk),
        status=status,
        moderator=moderator,
        reason=reason,
        via=ModerationDecision.Via.DESK,
    )
    return Decided(complaint.pk, status, reason, recorded=bool(changed))


def held_by_other(complaint: Complaint, moderator: AbstractBaseUser) -> bool:
    """Whether another moderator holds this pending report at the desk now."""
    return (
        complaint.status == Status.PENDING
        and complaint.desk_claimed_by_id not in (None, moderator.pk)
        and complaint.desk_claimed_until is not None
        and complaint.desk_claimed_until >= timezone.now()
    )


def _check_fresh(complaint, complaint_id, moderator, status_shown: str) -> None:
    """Stale unless the report is as the card showed it and nobody else holds it."""
    if complaint is None:
        raise Stale("gone", complaint_id)
    if complaint.status != status_shown:
        raise Stale("decided", complaint_id)
    if held_by_other(complaint, moderator):
        raise Stale("claimed", complaint_id)


def _save_text(complaint: Complaint, redacted: str, shown: str, moderator) -> None:
    """The moderator's correction of the redacted text, saved as the change page saves it."""
    if text.unreadable(redacted):  # a NUL or garbled bytes: nobody typed that
        raise Stale("unreadable", complaint.pk)
    if len(text.multi_line(redacted)) > DESCRIPTION_REDACTED_MAX_LENGTH:
        raise Stale("too_long", complaint.pk)
    stored = complaint.description_redacted
    complaint.description_redacted = redacted
    services.complaint_save_by_moderator(
        complaint=complaint,
        changed_fields=["description_redacted"],
        moderator=moderator,
        stored_redacted=stored,
        shown_fingerprint=shown,
    )


def desk_last_decision(moderator: AbstractBaseUser) -> ModerationDecision | None:
    """The moderator's latest desk decision not undone (index decision_undo_idx)."""
    return (
        ModerationDecision.objects.filter(
            moderator=moderator, undone_at__isnull=True, via=ModerationDecision.Via.DESK
        )
        .order_by("-decided_at", "-id")
        .first()
    )


def desk_undo(*, moderator: AbstractBaseUser) -> tuple[int | None, bool]:
    """Undo the moderator's latest desk decision and claim the report again. Returns its id
    (None: nothing to undo) and whether it was undone (False: decided by someone since)."""
    decision = desk_last_decision(moderator)
    if decision is None:
        return None, False
    undone = services.decision_undo(decision=decision, moderator=moderator)
    if undone:
        desk_claim(complaint_id=decision.complaint_id, moderator=moderator)
    return decision.complaint_id, undone
