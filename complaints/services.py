"""Write operations on complaints. Views, forms, the admin and commands call these."""

import hashlib
from collections.abc import Collection

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from complaints import caches, text
from complaints.models import (
    DESCRIPTION_REDACTED_MAX_LENGTH,
    Complaint,
    Status,
)
from complaints.privacy.redaction import redact

MODERATION_CHUNK = 500


def complaint_redacted_anew(complaint: Complaint) -> str:
    """The complaint's redacted description made again by the current rules: from the
    original, unless a person corrected the redacted text (or the original was purged), in
    which case the rules only remove more from that text; putting the original back would
    undo what the person removed."""
    source = complaint.description
    if complaint.description_redacted_by_hand or not source:
        source = complaint.description_redacted
    return text.capped(redact(source, complaint.email), DESCRIPTION_REDACTED_MAX_LENGTH)


def complaints_redact_again(*, batch_size: int = 2000, dry_run: bool = False) -> dict:
    """Every complaint's redacted description made again by the current rules
    (complaint_redacted_anew), in batches of short transactions; only the changed rows are
    written. Returns how many were examined and changed."""
    summary = {"examined": 0, "changed": 0}
    last_pk = 0
    fields = ["pk", "description", "description_redacted", "description_redacted_by_hand"]
    while True:
        batch = list(
            Complaint.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only(*fields[1:], "email")[:batch_size]
        )
        if not batch:
            break
        changed = [
            (complaint, redacted)
            for complaint in batch
            if (redacted := complaint_redacted_anew(complaint)) != complaint.description_redacted
        ]
        written = len(changed) if dry_run else 0
        if changed and not dry_run:
            with transaction.atomic():
                # Each row only if its text is still the one read: a correction a moderator
                # stored since then is kept (a bulk update would write over it).
                written = sum(
                    Complaint.objects.filter(
                        pk=complaint.pk,
                        description_redacted=complaint.description_redacted,
                        description_redacted_by_hand=complaint.description_redacted_by_hand,
                    ).update(description_redacted=redacted)
                    for complaint, redacted in changed
                )
        summary["examined"] += len(batch)
        summary["changed"] += written
        last_pk = batch[-1].pk
    return summary


@transaction.atomic
def complaint_delete(*, complaint: Complaint) -> None:
    """The submitter deletes their report: the row and everything in it are gone for good.

    The counter and, for a published report, the evaluation follow after the commit."""
    # The row is locked first: a submission that has just found this report as its earlier
    # duplicate locks it too (intake/services.py), so one of the two waits for the other and
    # the new report never points at a deleted one.
    locked = Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
    if locked is None:  # deleted a moment ago (a second click)
        return
    was_published = locked.status == Status.PUBLISHED
    # The admin's history of the report keeps a line of text per change (LogEntry); it goes
    # with the report, so nothing of it outlives a deletion the submitter asked for.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Complaint), object_id=str(locked.pk)
    ).delete()
    locked.delete()
    caches.after_commit(caches.published_changed if was_published else caches.counter_invalidate)


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
    caches.after_commit(caches.published_changed)
    return changed


def complaint_record_moderation(*, complaint: Complaint, moderator: AbstractBaseUser) -> None:
    """Mark a complaint whose status was changed on its own page as moderated by this user.

    The caller saves the complaint.
    """
    complaint.moderated_by = moderator
    complaint.moderated_at = timezone.now()
    caches.after_commit(caches.published_changed)


def redacted_fingerprint(value: str) -> str:
    """A redacted description's fingerprint, after the cleaning a save gives it."""
    return hashlib.sha256(text.multi_line(value or "").encode()).hexdigest()


@transaction.atomic
def complaint_save_by_moderator(
    *,
    complaint: Complaint,
    changed_fields: Collection[str],
    moderator: AbstractBaseUser,
    stored_redacted: str = "",
    shown_fingerprint: str = "",
) -> None:
    """Save a complaint edited on its page in the back office.

    Its text gets the public form's cleaning. A redacted description the moderator changed is
    kept as their correction; a changed original or address makes it anew. `stored_redacted`
    is the redacted text stored when the form was read back, `shown_fingerprint` the
    redacted_fingerprint of the one the page showed (empty: unknown).
    """
    changed = set(changed_fields)
    complaint.city = text.single_line(complaint.city)
    complaint.district = text.single_line(complaint.district)
    complaint.description = text.multi_line(complaint.description)
    complaint.description_redacted = text.multi_line(complaint.description_redacted)
    if _redacted_edited(complaint, changed, stored_redacted, shown_fingerprint):
        complaint.description_redacted_by_hand = True
    elif changed & {"description", "email"}:
        complaint.description_redacted = complaint_redacted_anew(complaint)
    if "status" in changed:
        complaint_record_moderation(complaint=complaint, moderator=moderator)
    elif complaint.status == Status.PUBLISHED and changed:
        # A published report's place, problems or technology changed: so do the stats.
        caches.after_commit(caches.published_changed)
    complaint.save()


def _redacted_edited(complaint: Complaint, changed: set[str], stored: str, shown: str) -> bool:
    """Whether a person edited the redacted description. One sent back as the page showed it
    was not: the stored text, changed since by someone else, is put back."""
    # Browsers send a text area back with CRLF line breaks: only a different text after the
    # same cleaning is an edit.
    before = text.multi_line(stored or "")
    if "description_redacted" not in changed or complaint.description_redacted == before:
        return False
    if shown and redacted_fingerprint(complaint.description_redacted) == shown:
        complaint.description_redacted = before
        return False
    return True
