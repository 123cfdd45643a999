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
    ModerationDecision,
    RejectionReason,
    Status,
    WithdrawnReport,
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
    withdrawals_record([locked])
    locked.delete()
    caches.after_commit(caches.published_changed if was_published else caches.counter_invalidate)


def withdrawals_record(complaints) -> None:
    """Published reports about to be deleted (by their submitter or in the back office):
    their pseudonyms, in the deletion's transaction, so that a carrier's mirror learns to drop
    them (Open311 withdrawn.json)."""
    WithdrawnReport.objects.bulk_create(
        WithdrawnReport(pseudonym=c.pseudonym, carrier=c.carrier)
        for c in complaints
        if c.status == Status.PUBLISHED
    )


Via = ModerationDecision.Via
# What a decision replaces, read before it is made (for undo).
_BEFORE = [
    "pk",
    "status",
    "rejection_reason_id",
    "moderated_by_id",
    "moderated_by_rule",
    "moderated_at",
]


@transaction.atomic
def complaints_moderate(
    *,
    complaints: QuerySet[Complaint],
    status: str,
    moderator: AbstractBaseUser | None = None,
    reason: RejectionReason | None = None,
    via: str = Via.LIST,
    rule: str = "",
) -> int:
    """Set the status of many complaints at once, recording who (a person, or an automatic
    rule by its name) and when, and for a rejection why.

    Each changed complaint gets a ModerationDecision (what it was before, for undo) and, when a
    person decided, an admin log entry, in the same transaction. Returns how many changed.
    """
    _check_decision(status, reason, moderator, rule)
    changing = complaints.exclude(status=status)
    if status == Status.REJECTED:  # another reason for a rejected report is a decision too
        changing = complaints.exclude(status=status, rejection_reason=reason)
    ids = list(changing.values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    changed = 0
    # Chunks keep every IN list below SQLite's bound-parameter limit when a moderator
    # selects "all" across pages of a large queue.
    for start in range(0, len(ids), MODERATION_CHUNK):
        locked = Complaint.objects.filter(pk__in=ids[start : start + MODERATION_CHUNK])
        # Read again under the lock: a decision another request committed since the ids were
        # read is not decided (and recorded) a second time.
        before = [
            row
            for row in locked.select_for_update().values_list(*_BEFORE)
            if row[1] != status or (reason is not None and row[2] != reason.pk)
        ]
        chunk = Complaint.objects.filter(pk__in=[row[0] for row in before])
        changed += chunk.update(
            status=status,
            rejection_reason=reason,
            moderated_by=moderator,
            moderated_by_rule=rule,
            moderated_at=now,
            desk_claimed_by=None,
            desk_claimed_until=None,
        )
        ModerationDecision.objects.bulk_create(
            ModerationDecision(
                complaint_id=pk,
                decided_at=now,
                moderator=moderator,
                rule=rule,
                via=via,
                status=status,
                reason=reason,
                status_before=old_status,
                reason_before_id=old_reason,
                moderated_by_before_id=old_by,
                moderated_by_rule_before=old_rule,
                moderated_at_before=old_at,
            )
            for pk, old_status, old_reason, old_by, old_rule, old_at in before
        )
        if moderator is not None:
            LogEntry.objects.log_actions(
                user_id=moderator.pk,
                queryset=chunk,
                action_flag=CHANGE,
                change_message=[{"changed": {"fields": ["status"]}}],
                single_object=False,
            )
    caches.after_commit(caches.published_changed)
    return changed


def _check_decision(status, reason, moderator, rule) -> None:
    if status not in Status.values:
        raise ValueError(f"Unknown status {status!r}")
    if (status == Status.REJECTED) != (reason is not None):
        raise ValueError("A rejection records one reason; no other decision records one")
    if (moderator is None) == (not rule):
        raise ValueError("A decision is made by a person or by a named rule")


@transaction.atomic
def decision_undo(*, decision: ModerationDecision, moderator: AbstractBaseUser) -> bool:
    """Undo a decision: the complaint gets back what it had before, if nobody has decided on
    it since (then it stays as it is and False is returned)."""
    decision = ModerationDecision.objects.select_for_update().get(pk=decision.pk)
    # Later by id, not by time: a decision takes its time before it waits for the row's lock,
    # so the one recorded after another may carry the earlier time.
    later = ModerationDecision.objects.filter(
        complaint_id=decision.complaint_id, pk__gt=decision.pk
    )
    if decision.undone_at is not None or later.filter(undone_at__isnull=True).exists():
        return False
    restored = Complaint.objects.filter(
        pk=decision.complaint_id, status=decision.status, rejection_reason=decision.reason
    ).update(
        status=decision.status_before,
        rejection_reason=decision.reason_before,
        moderated_by=decision.moderated_by_before,
        moderated_by_rule=decision.moderated_by_rule_before,
        moderated_at=decision.moderated_at_before,
    )
    if not restored:
        return False
    decision.undone_at = timezone.now()
    decision.save(update_fields=["undone_at"])
    complaint = Complaint.objects.get(pk=decision.complaint_id)
    LogEntry.objects.log_actions(
        user_id=moderator.pk,
        queryset=[complaint],
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["status"]}}],
        single_object=True,
    )
    caches.after_commit(caches.published_changed)
    return True


def complaint_record_moderation(*, complaint: Complaint, moderator: AbstractBaseUser) -> None:
    """Record the decision on a complaint whose status was changed on its own page: who and
    when on the complaint, and a ModerationDecision. The caller saves the complaint (in the
    same transaction)."""
    _check_decision(complaint.status, complaint.rejection_reason, moderator, "")
    stored = Complaint.objects.select_for_update().filter(pk=complaint.pk).values(*_BEFORE).get()
    ModerationDecision.objects.create(
        complaint=complaint,
        moderator=moderator,
        via=Via.PAGE,
        status=complaint.status,
        reason=complaint.rejection_reason,
        status_before=stored["status"],
        reason_before_id=stored["rejection_reason_id"],
        moderated_by_before_id=stored["moderated_by_id"],
        moderated_by_rule_before=stored["moderated_by_rule"],
        moderated_at_before=stored["moderated_at"],
    )
    complaint.moderated_by = moderator
    complaint.moderated_by_rule = ""
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
    if complaint.status != Status.REJECTED:
        complaint.rejection_reason = None
    if changed & {"status", "rejection_reason"}:
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
