"""Writes of the campaign: the follow-up mails sent, answered and unsubscribed from."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from complaints import caches
from complaints.campaign import followups
from complaints.models import Complaint, Status


def followups_send_due(*, after_days: int, limit: int, dry_run: bool = False) -> followups.Result:
    """Send up to `limit` follow-up mails that are due, each at most once.

    Not one transaction: each claim commits at once, so that a run overlapping this one
    sees it. A complaint is claimed with one conditional UPDATE (followup_sent_at from NULL,
    only while still due) before its mail goes out; a failed mail is released for a later
    run (followups.MAX_FAILURES times at most).
    """
    candidates = list(followups.due(after_days).values_list("pk", flat=True)[:limit])
    result = followups.Result(due=len(candidates))
    if dry_run:
        return result
    for pk in candidates:
        claimed_at = timezone.now()
        # Still due: not unsubscribed, marked as spam or purged since the list was made.
        if not followups.due(after_days).filter(pk=pk).update(followup_sent_at=claimed_at):
            result.taken += 1
            continue
        if followups.send(Complaint.objects.get(pk=pk)):
            result.sent += 1
        else:
            result.failed += 1
            Complaint.objects.filter(pk=pk, followup_sent_at=claimed_at).update(
                followup_sent_at=None, followup_failures=F("followup_failures") + 1
            )
    return result


@transaction.atomic
def followup_answer(*, complaint: Complaint, answer: str, comment: str) -> bool:
    """Store the answer to the follow-up mail; False when it was answered before (the first
    answer stands). The evaluation shows the answers of published reports: it follows."""
    stored = Complaint.objects.filter(pk=complaint.pk, followup_answer="").update(
        followup_answer=answer,
        followup_comment=comment,
        followup_answered_at=timezone.now(),
    )
    if stored and complaint.status == Status.PUBLISHED:
        caches.after_commit(caches.published_changed)
    return bool(stored)


@transaction.atomic
def followup_unsubscribe(*, complaint: Complaint) -> None:
    """No follow-up mail for this complaint any more (the first unsubscribing is recorded)."""
    Complaint.objects.filter(pk=complaint.pk, followup_unsubscribed_at=None).update(
        followup_consent=False, followup_unsubscribed_at=timezone.now()
    )
