"""Write operations on complaints. Views, forms, the admin and commands call these."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import text
from .models import Complaint, ProblemType, Status

COUNTER_CACHE_KEY = "complaints:counter"
MODERATION_CHUNK = 500


def counter_invalidate() -> None:
    cache.delete(COUNTER_CACHE_KEY)


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
    language: str = "de",
) -> Complaint:
    """Store one complaint from the public form, with consent recorded now.

    Raises ValidationError for anything the model does not accept; nothing is stored then.
    """
    if carrier and carrier not in settings.EINZELFALL_CARRIERS:
        raise ValidationError({"carrier": f"Unknown carrier {carrier!r}"}, code="invalid_choice")
    if city.strip() and not text.has_letter(city):
        raise ValidationError({"city": "A place name needs letters."}, code="no_letter")
    problems = list(problems)
    if not problems:
        raise ValidationError({"problems": "At least one problem is required."}, code="required")
    now = timezone.now()
    complaint = Complaint(
        carrier=carrier or next(iter(settings.EINZELFALL_CARRIERS)),
        city=text.single_line(city),
        district=text.single_line(district),
        postal_code=postal_code.strip(),
        technology=technology,
        frequency=frequency,
        since=since,
        location=location,
        description=text.multi_line(description),
        email=email.strip(),
        language=language,
        consent_at=now,
        privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
        submitted_at=now,
    )
    complaint.full_clean(exclude=["problems"])
    complaint.save()
    complaint.problems.set(problems)
    transaction.on_commit(counter_invalidate)
    return complaint


@transaction.atomic
def complaints_moderate(
    *, complaints: QuerySet[Complaint], status: str, moderator: AbstractBaseUser
) -> int:
    """Set the status of many complaints at once, recording who and when.

    Writes one admin log entry per changed complaint, in the same transaction, so the
    history of each complaint shows the decision. Returns how many complaints changed.
    """
    if status not in Status.values:
        raise ValueError(f"Unknown status {status!r}")
    changing = complaints.exclude(status=status)
    ids = list(changing.values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    changed = 0
    # Chunks keep every IN list below SQLite's bound-parameter limit when a moderator
    # selects "all" across pages of a large queue.
    for start in range(0, len(ids), MODERATION_CHUNK):
        chunk = Complaint.objects.filter(pk__in=ids[start : start + MODERATION_CHUNK])
        changed += chunk.update(status=status, moderated_by=moderator, moderated_at=now)
        LogEntry.objects.log_actions(
            user_id=moderator.pk,
            queryset=chunk,
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": ["status"]}}],
            single_object=False,
        )
    transaction.on_commit(counter_invalidate)
    return changed


def complaint_record_moderation(*, complaint: Complaint, moderator: AbstractBaseUser) -> None:
    """Mark a complaint whose status was changed on its own page as moderated by this user.

    The caller saves the complaint.
    """
    complaint.moderated_by = moderator
    complaint.moderated_at = timezone.now()
    transaction.on_commit(counter_invalidate)
