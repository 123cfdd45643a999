"""The intake of a report, whatever its door: submit() takes what was sent and returns an
Outcome; complaint_submit() stores one complaint (also for the demo data and the tests)."""

import dataclasses
import datetime
import enum
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints import caches, text
from complaints.intake import (
    abuse,
    client_ids,
    forensics,
    inserting,
    observed,
    problem_types,
    redis_trip,
)
from complaints.models import (
    DESCRIPTION_REDACTED_MAX_LENGTH,
    REPORT_FIELDS,
    Complaint,
    ProblemType,
)
from complaints.places import matching
from complaints.places.names import name_key
from complaints.privacy.redaction import redact

logger = logging.getLogger(__name__)


class Kind(enum.Enum):
    """What became of a report sent."""

    STORED = "stored"  # Outcome.complaint
    DUPLICATE = "duplicate"  # the very same form again, not stored twice: Outcome.reference
    SENT_BEFORE = "sent_before"  # this browser stored Outcome.reference; this form differs: ask
    THROTTLED = "throttled"  # over a limit: Outcome.wait seconds
    REFUSED = "refused"  # not stored: Outcome.errors (besides the form's own)
    UNCHECKED = "unchecked"  # valid within seconds of being shown: to be checked and sent again
    DROPPED = "dropped"  # a bot's: answered like a success, stored nowhere (abuse.py says why)


@dataclasses.dataclass(frozen=True)
class Outcome:
    kind: Kind
    complaint: Complaint | None = None
    reference: str | None = None
    wait: int = 0
    errors: tuple[str, ...] = ()
    new_stamp: bool = False  # the form shown again needs a new stamp (expired, or spent)
    another: bool = False  # sent once more, it is another report: the person has been told


@dataclasses.dataclass(frozen=True)
class Sender:
    """Who sends, as plain values: the address (abuse.client_ip), the stamp of the report this
    browser stored last (its abuse.SENT_COOKIE), the language of the form."""

    ip: str
    sent_cookie: str = ""
    language: str = "de"


def submit(
    *, posted: QueryDict, cleaned: Callable[[], Mapping[str, Any] | None], sender: Sender
) -> Outcome:
    """One report sent: posted is all that was sent (with the stamp and the honeypot),
    cleaned() its valid data or None, called only for a sender who is not a bot (a bot's
    post costs no query)."""
    made = observed.valid(posted.get("observed_at"), posted.get("sent_at"))
    stamp = abuse.judge(posted, made)
    if stamp is abuse.Stamp.BOT:
        return Outcome(Kind.DROPPED)
    # A report stored already under its own id (the offline queue retrying, two tabs): its
    # link, before the stamp and the limits, so that a retry never counts twice.
    client_id = client_ids.valid(posted.get("client_id"))
    if client_id is not None:
        earlier = _stored_as(client_id)
        if earlier is not None:
            return Outcome(Kind.DUPLICATE, reference=earlier)
    data = cleaned()
    if stamp is abuse.Stamp.EXPIRED:
        message = gettext(
            "This form was open for a long time. Please check your entries and send it again."
        )
        return Outcome(Kind.REFUSED, errors=(message,), new_stamp=True)
    if data is None:
        return Outcome(Kind.REFUSED)
    if stamp is abuse.Stamp.QUICK:
        # A bot, or a browser that filled the form in: to be sent once more with the same
        # stamp (a bot that posts once, at once, stores nothing; a person is never dropped).
        return Outcome(Kind.UNCHECKED)
    # A report from the offline queue says by its own id whether it is the same one: no
    # back-button check. A form sent online is checked: Back shows it with a new id.
    earlier = None if data.get("offline") else _sent_before(posted, sender.sent_cookie)
    return earlier or _claimed_and_stored(posted, data, sender)


def _stored_as(client_id: uuid.UUID) -> str | None:
    return Complaint.objects.filter(client_id=client_id).values_list("reference", flat=True).first()


def _sent_before(posted: QueryDict, cookie: str) -> Outcome | None:
    """The back button from the thanks page: the same form again, or another report?"""
    earlier, same = abuse.sent_before(posted, cookie)
    if not earlier or not Complaint.objects.filter(reference=earlier).exists():
        return None  # none, or deleted by its sender since: a new report
    return Outcome(Kind.DUPLICATE if same else Kind.SENT_BEFORE, reference=earlier)


def _claimed_and_stored(posted: QueryDict, data, sender: Sender) -> Outcome:
    """The stamp first (a form sent again is not counted against the limits), claimed in one
    atomic step, and given back unless the report is stored: the form may be sent again."""
    wait = redis_trip.claim_and_count(posted, sender.ip)  # one round trip to Redis
    if wait is None:
        return _stamp_spent(posted)
    stored = False
    try:
        outcome = _within_limits(data, sender, wait)
        stored = outcome.kind is Kind.STORED
    finally:
        if not stored:
            abuse.release_stamp(posted)
    if stored:
        _stamp_stored(posted, outcome.complaint)
    return outcome


def _stamp_spent(posted: QueryDict) -> Outcome:
    """The stamp stored a report: the very same form again (a double click) leads to it; a
    different one is shown again, and sent once more it is another report."""
    reference = abuse.earlier_reference(posted)
    if reference is not None:
        return Outcome(Kind.DUPLICATE, reference=reference)
    message = gettext(
        "This form has already been sent. Please check your entries and send it again."
    )
    return Outcome(Kind.REFUSED, errors=(message,), new_stamp=True, another=True)


def _within_limits(data, sender: Sender, wait: int) -> Outcome:
    if wait:
        return Outcome(Kind.THROTTLED, wait=wait)
    try:
        complaint = _store(data, sender)
    except ValidationError as error:
        # The safety net for a rule the model has and the form not: a message, not a 500.
        return Outcome(Kind.REFUSED, errors=tuple(error.messages))
    except IntegrityError:
        # Two sendings of one report at once (with different stamps): the unique client_id
        # let one in; the other is its duplicate.
        earlier = _stored_as(data["client_id"]) if data.get("client_id") else None
        if earlier is None:
            raise
        return Outcome(Kind.DUPLICATE, reference=earlier)
    return Outcome(Kind.STORED, complaint=complaint)


def _stamp_stored(posted: QueryDict, complaint: Complaint) -> None:
    try:
        # The stamp leads to the report, the counter counts it: one more round trip.
        redis_trip.stored_and_counted(posted, complaint.reference, caches._counter_keys())
    except Exception as error:
        # The report is stored: a cache failing now must not answer "nothing was stored" (the
        # 503 page) and have it sent again. The stamp stays claimed.
        logger.error(
            "Complaint %s stored, its form stamp not (%s)", complaint.pk, type(error).__name__
        )


def _store(data, sender: Sender) -> Complaint:
    """Stored; once more when the database refused the commit for a foreign key: a place the
    report was matched to was deleted that moment (load_places with a newer data set), and
    the places are checked again (by the INSERT, intake/inserting.py)."""
    committing = not transaction.get_connection().in_atomic_block
    try:
        return _store_once(data, sender)
    except IntegrityError as error:
        if not (committing and foreign_key_refused(error)):
            raise
        logger.warning("A report was refused at its commit (a place or type gone); stored again")
        # Or a problem type gone that this process still knew (problem_types.py): the report
        # keeps the types that exist (none left: refused, "choose at least one problem").
        problem_types.invalidate()
        kept = ProblemType.objects.filter(pk__in=[p.pk for p in data["problems"]], is_active=True)
        return _store_once({**data, "problems": list(kept)}, sender)


FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE


def foreign_key_refused(error: IntegrityError) -> bool:
    """A foreign key refused: PostgreSQL's code on the driver's error, or SQLite's words."""
    return getattr(error.__cause__, "sqlstate", None) == FOREIGN_KEY_VIOLATION or (
        "FOREIGN KEY constraint failed" in str(error)
    )


def _store_once(data, sender: Sender) -> Complaint:
    recent = abuse.recent_ip_hashes(sender.ip)  # today's first: the report's own
    return complaint_submit(
        **{name: data[name] for name in REPORT_FIELDS},
        followup=data.get("followup", False),
        language=sender.language,
        ip_hash=recent[0],
        recent_ip_hashes=recent,
        network_hash=forensics.network_hash(sender.ip),
        observed_at=data.get("observed_at"),
        client_id=data.get("client_id"),
        made_offline=bool(data.get("offline")),
        invalidate_counter=False,  # _stamp_stored, with the stamp
    )


def email_confirm(*, complaint: Complaint) -> None:
    """The submitter confirmed their address (the link in the confirmation mail)."""
    if complaint.email_confirmed_at is None:
        complaint.email_confirmed_at = timezone.now()
        complaint.save(update_fields=["email_confirmed_at"])


def complaint_submit(
    *,
    problems: Iterable[ProblemType],
    city: str,
    frequency: str,
    carrier: str = "",
    district: str = "",
    postal_code: str = "",
    technology: str = "unknown",
    since: datetime.date | None = None,
    location: str = "",
    description: str = "",
    email: str = "",
    followup: bool = False,
    language: str = "de",
    ip_hash: str = "",
    recent_ip_hashes: Iterable[str] = (),
    network_hash: str = "",
    observed_at: datetime.datetime | None = None,
    client_id: uuid.UUID | None = None,
    made_offline: bool = False,
    invalidate_counter: bool = True,
) -> Complaint:
    """Store one complaint from the public form, with consent recorded now, and the keys
    bursts are grouped by (intake/forensics.py; the network's from the caller, like ip_hash).

    observed_at: when the person made it (checked by the caller, intake/observed.py), None:
    now; client_id: the browser's id of the report (unique: IntegrityError when stored).

    Raises ValidationError for anything the model does not accept; nothing is stored then.
    invalidate_counter=False: the caller deletes the public counter's cache entries (the form
    does, in the same round trip to Redis as its stamp).
    """
    problems = list(problems)
    _check(carrier=carrier, city=city, problems=problems)
    now = timezone.now()
    place = matching.match(city, district, postal_code)  # checked live by the INSERT
    redacted = text.capped(
        redact(text.multi_line(description), email.strip()), DESCRIPTION_REDACTED_MAX_LENGTH
    )
    complaint = Complaint(
        carrier=carrier or next(iter(settings.EINZELFALL_CARRIERS)),
        city_key=name_key(city)[:200],
        city_place_id=place.city_id,
        district_place_id=place.district_id if place.city_id is not None else None,
        city=text.single_line(city),
        district=text.single_line(district),
        postal_code=postal_code.strip(),
        technology=technology,
        frequency=frequency,
        since=since,
        location=location,
        description=text.multi_line(description),
        description_redacted=redacted,
        email=email.strip(),
        followup_consent=bool(followup and email.strip()),
        ip_hash=ip_hash,
        network_hash=network_hash,
        email_domain_hash=forensics.email_domain_hash(email),
        description_fingerprint=forensics.description_fingerprint(redacted),
        language=language,
        consent_at=now,
        privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
        submitted_at=now,
        observed_at=observed_at or now,
        client_id=client_id,
        made_offline=made_offline,
    )
    # Field by field, without queries: the places were just checked, the check constraints
    # repeat the fields' rules, unique indexes guard the random reference and pseudonym.
    complaint.full_clean(
        exclude=["problems", "city_place", "district_place", "duplicate_of"],
        validate_unique=False,
        validate_constraints=False,
    )
    inserting.insert(complaint, {p.pk for p in problems}, recent_ip_hashes or [ip_hash])
    if (complaint.city_place_id, complaint.district_place_id) != (
        place.city_id,
        place.district_id,
    ):
        # A place of this process's index was deleted in another (load_places): the report
        # is stored with the places that still exist, and the index rebuilt.
        caches.after_commit(matching.invalidate)
    if invalidate_counter:
        # After the commit, robust: a cache failing then must not cost the stored report.
        caches.after_commit(caches.counter_invalidate)
    return complaint


def _check(*, carrier: str, city: str, problems: list[ProblemType]) -> None:
    """Rules full_clean does not check: the form checks them, this for any other door."""
    if carrier and carrier not in settings.EINZELFALL_CARRIERS:
        raise ValidationError(
            {
                "carrier": ValidationError(
                    _("Unknown carrier %(carrier)s."),
                    code="invalid_choice",
                    params={"carrier": carrier},
                )
            }
        )
    if city.strip() and not text.has_letter(city):
        raise ValidationError(
            {"city": ValidationError(_("A place name needs letters."), code="no_letter")}
        )
    if not problems:
        raise ValidationError(
            {"problems": ValidationError(_("Choose at least one problem."), code="required")}
        )
