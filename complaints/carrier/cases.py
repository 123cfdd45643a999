"""The carrier at the table: places opened by the quorum, the carrier's statements, their
approval and publication, deadlines and disputes.

The carrier writes statements for its own opened places only (accounts.scope); the organizer
approves them, or the carrier's profile lets them be published at once. Publishing records a
PlaceStatus for the carrier, so the evaluation's status and before/after trend follow.
"""

import datetime
import logging
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints import caches
from complaints.carrier import accounts
from complaints.models import (
    CarrierAccount,
    CarrierCase,
    CarrierProfile,
    CarrierStatement,
    Complaint,
    FollowupAnswer,
    Place,
    PlaceStatus,
    carrier_name,
)

logger = logging.getLogger(__name__)

STATEMENT_MAX_LENGTH = 2000
RESENT_SECONDS = 600  # the same statement sent again within this is the same one
NOTE_MAX_LENGTH = 500
APPROVE_PERMISSION = "complaints.approve_carrierstatement"
ANSWER_PERMISSION = "complaints.answer_carriercase"
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
    if not visible(text):
        raise StatementRefused(_("The statement is empty."), "empty")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise StatementRefused(
            _("The statement is longer than %(limit)d characters.")
            % {"limit": STATEMENT_MAX_LENGTH},
            "too_long",
        )
    return text


def visible(text: str) -> bool:
    """Whether the text has a character a reader sees: spaces, zero-width and direction
    marks (Unicode's separators and format characters) alone are an empty statement."""
    return any(unicodedata.category(ch)[0] not in "ZC" for ch in text)


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
    if (
        not user.is_authenticated
        or not user.has_perm(ANSWER_PERMISSION)
        or accounts.scope(user) != case.carrier
    ):
        raise StatementDenied(_("You cannot answer for this place."), "denied")
    now = timezone.now()
    text = clean_text(text)
    status, due_date = clean_status(status, due_date, timezone.localdate(now))
    with transaction.atomic():
        case = CarrierCase.objects.select_for_update().get(pk=case.pk)
        # Under the case's lock: a form sent twice (a double tap, a reload) is one statement.
        resent = case.statements.filter(
            status=status,
            due_date=due_date,
            text=text,
            written_at__gte=now - datetime.timedelta(seconds=RESENT_SECONDS),
            review__in=[CarrierStatement.Review.PENDING, CarrierStatement.Review.PUBLISHED],
        ).first()
        if resent is not None:
            return resent
        statement = CarrierStatement.objects.create(
            case=case, status=status, due_date=due_date, text=text, written_by=user, written_at=now
        )
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
    case = CarrierCase.objects.select_for_update().get(pk=statement.case_id)
    # The response statistics count the carrier's first statement that was published, from
    # when it was written: a refused or unreviewed one is no answer.
    if case.first_answer_at is None or statement.written_at < case.first_answer_at:
        case.first_answer_at = statement.written_at
        case.save(update_fields=["first_answer_at"])
    caches.after_commit(caches.published_changed, caches.updates_changed)
    newer = case.statements.filter(
        review=CarrierStatement.Review.PUBLISHED, written_at__gt=statement.written_at
    )
    if newer.exists():
        return  # an older statement approved late does not undo what the carrier said since
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


# -- the quorum ----------------------------------------------------------------------------


def _window(now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=settings.CARRIER_QUORUM_DAYS)


def due_places(*, now: datetime.datetime | None = None) -> list[tuple[str, int, int]]:
    """(carrier, Place id, reports) of every place that reached the quorum for a configured
    carrier within the window and is not opened for it yet: one GROUP BY per place kind."""
    now = now or timezone.now()
    recent = Complaint.objects.published().filter(
        submitted_at__gte=_window(now),
        submitted_at__lte=now,
        carrier__in=list(settings.EINZELFALL_CARRIERS),
    )
    reached = []
    for column in ("city_place", "district_place"):
        rows = (
            recent.exclude(**{column: None})
            .values_list("carrier", column)
            .annotate(n=Count("id"))
            .filter(n__gte=settings.CARRIER_QUORUM)
        )
        reached.extend(rows)
    opened = set(
        CarrierCase.objects.filter(place_id__in={place for _, place, _ in reached}).values_list(
            "carrier", "place_id"
        )
    )
    return [row for row in reached if (row[0], row[1]) not in opened]


def open_places(*, now: datetime.datetime | None = None) -> list[CarrierCase]:
    """Open every place that reached the quorum for a carrier. A place once opened stays
    opened (one case per carrier and place, by a unique constraint). The mails go out with
    notify_opened()."""
    now = now or timezone.now()
    opened = []
    for carrier, place_id, n in due_places(now=now):
        with transaction.atomic():
            case, created = CarrierCase.objects.get_or_create(
                carrier=carrier,
                place_id=place_id,
                defaults={"opened_at": now, "opened_count": n},
            )
        if created:
            opened.append(case)
    if opened:
        caches.after_commit(caches.carrier_answers_changed)
    return opened


# -- disputes ----------------------------------------------------------------------------------

_BAD_ANSWERS = [FollowupAnswer.UNCHANGED, FollowupAnswer.WORSE]


def _contradicted(case: CarrierCase, now: datetime.datetime) -> bool:
    """Whether the carrier's reports of the place since "reported fixed" say otherwise: at
    least REPORTS_MIN_COUNT follow-up answers given since, most of them "unchanged" or
    "worse"; or new reports reaching the quorum again within its window."""
    column = "district_place" if case.place.kind == Place.Kind.DISTRICT else "city_place"
    fixed = case.status_at
    counts = (
        Complaint.objects.published()
        .filter(carrier=case.carrier, **{column: case.place_id})
        .aggregate(
            answers=Count("id", filter=Q(followup_answered_at__gt=fixed)),
            bad=Count(
                "id", filter=Q(followup_answered_at__gt=fixed, followup_answer__in=_BAD_ANSWERS)
            ),
            reports=Count(
                "id",
                filter=Q(
                    submitted_at__gt=fixed, submitted_at__gte=_window(now), submitted_at__lte=now
                ),
            ),
        )
    )
    by_answers = (
        counts["answers"] >= settings.REPORTS_MIN_COUNT and 2 * counts["bad"] > counts["answers"]
    )
    return by_answers or counts["reports"] >= settings.CARRIER_QUORUM


def disputed_cases(*, now: datetime.datetime | None = None) -> list[CarrierCase]:
    """The cases reported fixed, not disputed yet, that the reports since contradict (a
    query per such case: a handful)."""
    now = now or timezone.now()
    fixed = CarrierCase.objects.filter(
        status=PlaceStatus.Kind.REPORTED_FIXED, disputed_at=None, status_at__isnull=False
    ).select_related("place")
    return [case for case in fixed if _contradicted(case, now)]


def check_disputes(*, now: datetime.datetime | None = None) -> list[CarrierCase]:
    """Reopen places reported fixed that reports or answers since contradict: disputed_at
    set (shown publicly and on the desk); the carrier is told by notify_disputed()."""
    now = now or timezone.now()
    found = []
    for case in disputed_cases(now=now):
        # Conditional: of two overlapping runs only one records the dispute (and its date).
        if CarrierCase.objects.filter(pk=case.pk, disputed_at=None).update(disputed_at=now):
            case.disputed_at = now
            found.append(case)
    if found:
        caches.after_commit(caches.published_changed)
    return found


# -- the carrier's mails ------------------------------------------------------------------


@dataclass
class Notices:
    sent: int = 0  # mails sent
    places: int = 0  # places they listed
    failed: int = 0  # mails that failed (retried by the next run)
    no_contacts: list[str] = field(default_factory=list)  # carriers nobody can be told of


def recipients(carrier: str) -> list[str]:
    """The carrier's contact addresses and the addresses of its active carrier users."""
    profile = CarrierProfile.objects.filter(carrier=carrier).first()
    found = list(profile.contacts) if profile else []
    users = CarrierAccount.objects.filter(carrier=carrier, user__is_active=True).exclude(
        user__email=""
    )
    found += users.values_list("user__email", flat=True)
    return list(dict.fromkeys(address.strip().lower() for address in found))


def notify_opened() -> Notices:
    """One mail per carrier listing its places opened and not yet notified, with the link
    to the desk; notified_at set once the mail went out (a failed mail is sent again by the
    next run, a sent one never)."""
    return _notify("notified_at", "carrier_opened", Q(notified_at=None))


def notify_disputed() -> Notices:
    """One mail per carrier listing its places newly disputed."""
    return _notify(
        "dispute_notified_at",
        "carrier_disputed",
        Q(disputed_at__isnull=False, dispute_notified_at=None),
    )


def _notify(stamp: str, template: str, pending: Q) -> Notices:
    result = Notices()
    carriers = (
        CarrierCase.objects.filter(pending).order_by("carrier").values_list("carrier", flat=True)
    ).distinct()
    for carrier in list(carriers):
        with transaction.atomic():
            # Locked while the mail goes out: an overlapping run skips them, no mail twice.
            due = list(
                CarrierCase.objects.filter(pending, carrier=carrier)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("place", "place__parent")
                .order_by("place__name", "pk")
            )
            if due:
                _notify_carrier(carrier, due, stamp, template, result)
    return result


def _notify_carrier(carrier, due, stamp, template, result: Notices) -> None:
    addresses = recipients(carrier)
    if not addresses:
        result.no_contacts.append(carrier)
        return
    if not _send(template, carrier, due, addresses):
        result.failed += 1
        return
    CarrierCase.objects.filter(pk__in=[case.pk for case in due]).update(**{stamp: timezone.now()})
    result.sent += 1
    result.places += len(due)


def _send(template: str, carrier: str, due: list[CarrierCase], addresses: list[str]) -> bool:
    """The mail in the site's language: places, counts and the desk's link, nothing about
    any person. False when it failed (logged without the addresses)."""
    context = {
        "carrier": carrier_name(carrier),
        "cases": due,
        "desk_url": settings.SITE_URL.rstrip("/") + reverse("admin:complaints_carriercase_desk"),
        "quorum": settings.CARRIER_QUORUM,
        "days": settings.CARRIER_QUORUM_DAYS,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"complaints/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"complaints/email/{template}_body.txt", context)
    try:
        # Bcc: the carrier's people do not learn each other's addresses from it.
        EmailMessage(subject, body, bcc=addresses).send()
    except Exception as error:  # the error's text may hold the addresses: not logged
        logger.error(
            "The %s mail to carrier %s failed (%s)", template, carrier, type(error).__name__
        )
        return False
    return True
