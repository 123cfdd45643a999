"""The intake of a report: everything between a valid form and a stored complaint."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import caches, text
from complaints.models import (
    DESCRIPTION_REDACTED_MAX_LENGTH,
    Complaint,
    Place,
    ProblemType,
)
from complaints.places import matching
from complaints.places.names import name_key
from complaints.privacy.redaction import redact


@transaction.atomic
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
) -> Complaint:
    """Store one complaint from the public form, with consent recorded now.

    Raises ValidationError for anything the model does not accept; nothing is stored then.
    """
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
    problems = list(problems)
    if not problems:
        raise ValidationError(
            {"problems": ValidationError(_("Choose at least one problem."), code="required")}
        )
    now = timezone.now()
    place = _live_match(matching.match(city, district, postal_code))
    complaint = Complaint(
        carrier=carrier or next(iter(settings.EINZELFALL_CARRIERS)),
        city_key=name_key(city)[:200],
        city_place_id=place.city_id,
        district_place_id=place.district_id,
        city=text.single_line(city),
        district=text.single_line(district),
        postal_code=postal_code.strip(),
        technology=technology,
        frequency=frequency,
        since=since,
        location=location,
        description=text.multi_line(description),
        description_redacted=text.capped(
            redact(text.multi_line(description), email.strip()), DESCRIPTION_REDACTED_MAX_LENGTH
        ),
        email=email.strip(),
        followup_consent=bool(followup and email.strip()),
        ip_hash=ip_hash,
        language=language,
        consent_at=now,
        privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
        submitted_at=now,
    )
    # Field by field, without queries: the matched places were just checked to exist; the
    # model's check constraints repeat the fields' choices and validators, and full_clean
    # would run a query (and a savepoint) for each of them; the reference and the pseudonym
    # are random, and their unique indexes stand guard. Half a submission's time went there.
    complaint.full_clean(
        exclude=["problems", "city_place", "district_place", "duplicate_of"],
        validate_unique=False,
        validate_constraints=False,
    )
    complaint.duplicate_of = _earlier_duplicate(complaint, problems, recent_ip_hashes or [ip_hash])
    complaint.save()
    through = Complaint.problems.through
    through.objects.bulk_create(
        [through(complaint_id=complaint.pk, problemtype_id=p.pk) for p in {*problems}]
    )
    # Robust: the report is stored by then, and a cache that fails at this moment must not
    # make the submitter believe otherwise (the error is logged; the counter catches up when
    # its cached value expires).
    caches.after_commit(caches.counter_invalidate)
    return complaint


def _earlier_duplicate(complaint, problems, ip_hashes) -> Complaint | None:
    """The latest complaint of the last 24 hours from the same email, or from the same
    address (today's or yesterday's hash) with the same city and the same problems."""
    since = complaint.submitted_at - datetime.timedelta(hours=24)
    recent = Complaint.objects.filter(submitted_at__gte=since).order_by("-submitted_at")
    if complaint.email:
        # LOWER(email) = ... and the index's own condition (email <> ''), which PostgreSQL
        # does not work out from the first: without it, the check read every report of the
        # last 24 hours (60 ms at 100,000, and a spike is exactly when there are that many).
        found = (
            recent.exclude(email="")
            .annotate(email_lower=Lower("email"))
            .filter(email_lower=complaint.email.lower())
            .first()
        )
        found = _locked(found) if found else None
        if found:  # (None also when it was deleted a moment ago: then try the address)
            return found
    ip_hashes = [h for h in ip_hashes if h]
    if not ip_hashes:
        return None
    wanted = sorted(p.pk for p in problems)
    candidates = recent.filter(ip_hash__in=ip_hashes, city_key=complaint.city_key).prefetch_related(
        "problems"
    )[:20]
    found = next((c for c in candidates if sorted(p.pk for p in c.problems.all()) == wanted), None)
    return _locked(found) if found else None


def _locked(complaint: Complaint) -> Complaint | None:
    """The earlier report, locked until the new one is stored (None if it was deleted in
    the meantime): a deletion waits instead of leaving the new report pointing at nothing."""
    return Complaint.objects.select_for_update().filter(pk=complaint.pk).first()


def _live_match(found: matching.Match) -> matching.Match:
    """The match, if its places still exist. A place deleted in another process can linger in
    this process's index for a few seconds; the report is then stored unmatched, never refused."""
    ids = [pk for pk in (found.city_id, found.district_id) if pk is not None]
    if not ids:
        return found
    live = set(
        Place.objects.filter(pk__in=ids, merged_into__isnull=True).values_list("pk", flat=True)
    )
    if found.city_id not in live:
        caches.after_commit(matching.invalidate)
        return matching.Match()
    if found.district_id is not None and found.district_id not in live:
        caches.after_commit(matching.invalidate)
        return matching.Match(found.city_id)
    return found
