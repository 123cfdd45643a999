"""The carrier at the table: places opened by the quorum, the carrier's statements, their
approval and publication, deadlines and disputes.

The carrier writes statements for its own opened places only (accounts.scope); the organizer
approves them, or the carrier's profile lets them be published at once. Publishing records a
PlaceStatus for the carrier, so the evaluation's status and before/after trend follow.
"""

import datetime
import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import caches
from complaints.carrier import accounts
from complaints.models import (
    CarrierCase,
    CarrierProfile,
    CarrierStatement,
    PlaceStatus,
)

STATEMENT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 500
APPROVE_PERMISSION = "complaints.approve_carrierstatement"
# Line breaks and tabs are part of a statement; every other control character is refused.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


class StatementRefused(ValueError):
    """A statement (or a review of one) that cannot be stored: the message says why, in
    words for the person who sent it; code names the reason for programs."""

    def __init__(self, message, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class StatementDenied(StatementRefused):
    """The user may not do this (another carrier's place, no carrier, no permission)."""


# -- statements ------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """The statement as it is published: line breaks kept (as \\n), ends stripped. Refuses
    an empty or too long text and control characters."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text):
        raise StatementRefused(_("The statement contains control characters."), "control")
    if not text:
        raise StatementRefused(_("The statement is empty."), "empty")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise StatementRefused(
            _("The statement is longer than %(limit)d characters.")
            % {"limit": STATEMENT_MAX_LENGTH},
            "too_long",
        )
    return text


def clean_status(status: str, due_date: datetime.date | None, today: datetime.date):
    """The status and due date as stored: a planned expansion needs a due date that has not
    passed; the other statuses take none."""
    if status not in PlaceStatus.Kind.values:
        raise StatementRefused(_("Choose a status."), "status")
    if status != PlaceStatus.Kind.EXPANSION_PLANNED:
        return status, None
    if due_date is None:
        raise StatementRefused(_("A planned expansion needs a due date."), "due_date_missing")
    if due_date < today:
        raise StatementRefused(_("The due date has passed."), "due_date_past")
    return status, due_date


def statement_submit(
    *,
    case: CarrierCase,
    user: AbstractBaseUser,
    status: str,
    due_date: datetime.date | None,
    text: str,
) -> CarrierStatement:
    """A carrier's answer for one of its opened places: pending approval, or published at
    once where the carrier's profile allows it. StatementRefused (a ValueError) when it is
    not allowed or not valid; nothing is stored then."""
    if not user.is_authenticated or accounts.scope(user) != case.carrier:
        raise StatementDenied(_("You cannot answer for this place."), "denied")
    now = timezone.now()
    text = clean_text(text)
    status, due_date = clean_status(status, due_date, timezone.localdate(now))
    with transaction.atomic():
        case = CarrierCase.objects.select_for_update().get(pk=case.pk)
        statement = CarrierStatement.objects.create(
            case=case, status=status, due_date=due_date, text=text, written_by=user, written_at=now
        )
        if case.first_answer_at is None:
            case.first_answer_at = now
            case.save(update_fields=["first_answer_at"])
        if publishes_directly(case.carrier):
            publish(statement, now=now)
    return statement


def publishes_directly(carrier: str) -> bool:
    return CarrierProfile.objects.filter(carrier=carrier, publish_directly=True).exists()


def _check_reviewer(statement: CarrierStatement, user: AbstractBaseUser) -> None:
    if not user.is_authenticated or not user.has_perm(APPROVE_PERMISSION):
        raise StatementDenied(_("You cannot review carrier statements."), "denied")
    if statement.review != CarrierStatement.Review.PENDING:
        raise StatementRefused(_("This statement has already been reviewed."), "reviewed")


@transaction.atomic
def statement_approve(*, statement: CarrierStatement, user: AbstractBaseUser) -> None:
    """The organizer approves a pending statement: it is published."""
    statement = CarrierStatement.objects.select_for_update().get(pk=statement.pk)
    _check_reviewer(statement, user)
    now = timezone.now()
    statement.reviewed_by = user
    statement.reviewed_at = now
    statement.save(update_fields=["reviewed_by", "reviewed_at"])
    publish(statement, now=now)


@transaction.atomic
def statement_reject(*, statement: CarrierStatement, user: AbstractBaseUser, note: str) -> None:
    """The organizer does not publish a pending statement; the note tells the carrier why."""
    statement = CarrierStatement.objects.select_for_update().get(pk=statement.pk)
    _check_reviewer(statement, user)
    note = " ".join((note or "").split())
    if not note:
        raise StatementRefused(_("Tell the carrier why it is not published."), "note_missing")
    if len(note) > NOTE_MAX_LENGTH:
        raise StatementRefused(
            _("The note is longer than %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH},
            "note_too_long",
        )
    statement.review = CarrierStatement.Review.REJECTED
    statement.review_note = note
    statement.reviewed_by = user
    statement.reviewed_at = timezone.now()
    statement.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])


def publish(statement: CarrierStatement, *, now: datetime.datetime) -> None:
    """Publish a statement: its case takes its status and due date (a new statement ends a
    dispute; "reported fixed" has no due date), and a PlaceStatus of the carrier is recorded
    so the evaluation's status and trend follow. The caches the pages read let go after the
    commit."""
    statement.review = CarrierStatement.Review.PUBLISHED
    statement.published_at = now
    statement.save(update_fields=["review", "published_at"])
    case = statement.case
    case.status = statement.status
    case.status_at = now
    case.due_date = statement.due_date
    case.disputed_at = None
    case.dispute_notified_at = None
    case.save(
        update_fields=["status", "status_at", "due_date", "disputed_at", "dispute_notified_at"]
    )
    PlaceStatus.objects.create(
        place_id=case.place_id,
        status=statement.status,
        carrier=case.carrier,
        date=timezone.localdate(now),
    )
    caches.after_commit(caches.published_changed, caches.updates_changed)


# -- the quorum and disputes (below) ---------------------------------------------------------


def open_places(*, now: datetime.datetime | None = None) -> list[CarrierCase]:
    """Open every place that reached the quorum for a carrier; one mail per carrier."""
    raise NotImplementedError


def check_disputes(*, now: datetime.datetime | None = None) -> list[CarrierCase]:
    """Reopen places reported fixed that reports or answers since contradict."""
    raise NotImplementedError
