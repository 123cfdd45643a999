"""Follow-up: weeks after a report, one mail asks whether the problem has improved.

Only for a confirmed address whose owner asked for it on the form. `manage.py send_followups`
sends them in batches, from cron every hour. A mail is sent at most once per complaint, also
when two runs overlap: each complaint is claimed with one conditional UPDATE (followup_sent_at
from NULL to now, only while it is still due) before its mail goes out, and the database lets
only one run win that UPDATE. A mail that fails is released for a later run, at most
MAX_FAILURES times. (A mail server that accepts a mail and then fails the connection makes
the mail count as failed: it can then arrive twice. The other way round, never.)

The links carry signed tokens (the complaint's id and a keyed hash of the address, as the
confirmation link does): tampered ones, expired ones and ones for an address that has since
been deleted are refused with a 404. Opening an answer link shows the answer selected and a
field for a comment; the answer is stored with one click on "send" (a POST), because mail
scanners open every link in a mail and must not answer for the submitter. The first answer
stands: a link used again shows it and changes nothing. Unsubscribing is one click, and one
POST from mail programs that support List-Unsubscribe-Post (RFC 8058).
"""

import datetime
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from complaints import caches
from complaints.intake.confirmation import address_digest
from complaints.models import NOT_COUNTED, Complaint, FollowupAnswer, Status

SALT = "einzelfall.followup"
ANSWER = "answer"
UNSUBSCRIBE = "unsubscribe"
MAX_AGE = {ANSWER: 90 * 24 * 3600, UNSUBSCRIBE: 365 * 24 * 3600}
MAX_FAILURES = 3
logger = logging.getLogger(__name__)


def token(complaint: Complaint, purpose: str) -> str:
    return signing.dumps([complaint.pk, purpose, address_digest(complaint.email)], salt=SALT)


def complaint_for(value: str, purpose: str) -> Complaint | None:
    """The complaint a token is for, or None (tampered, expired, another purpose, or the
    address is gone or changed)."""
    try:
        pk, found_purpose, digest = signing.loads(value, salt=SALT, max_age=MAX_AGE[purpose])
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if found_purpose != purpose:
        return None
    complaint = Complaint.objects.filter(pk=pk).exclude(email="").first()
    if complaint is None or not hmac.compare_digest(digest, address_digest(complaint.email)):
        return None
    return complaint


def due(after_days: int):
    """Complaints whose follow-up mail is due (the partial index complaint_followup_due_idx):
    those whose mail failed before come after the others, and not at all after MAX_FAILURES,
    so that a few refused addresses never hold up everybody else."""
    return (
        Complaint.objects.filter(
            followup_consent=True,
            followup_sent_at=None,
            email_confirmed_at__isnull=False,
            submitted_at__lte=timezone.now() - datetime.timedelta(days=after_days),
            followup_failures__lt=MAX_FAILURES,
        )
        .exclude(Q(email="") | Q(status__in=NOT_COUNTED))
        .order_by("followup_failures", "submitted_at", "pk")
    )


@dataclass
class Result:
    due: int = 0
    sent: int = 0
    failed: int = 0
    taken: int = 0  # claimed by another run in the meantime


def send_due(*, after_days: int, limit: int, dry_run: bool = False) -> Result:
    candidates = list(due(after_days).values_list("pk", flat=True)[:limit])
    result = Result(due=len(candidates))
    if dry_run:
        return result
    for pk in candidates:
        claimed_at = timezone.now()
        # The claim: only one run can turn NULL into a time, and only while the complaint is
        # still due (not unsubscribed, marked as spam or purged since the list was made).
        if not due(after_days).filter(pk=pk).update(followup_sent_at=claimed_at):
            result.taken += 1
            continue
        complaint = Complaint.objects.get(pk=pk)
        if _send(complaint):
            result.sent += 1
        else:
            result.failed += 1
            Complaint.objects.filter(pk=pk, followup_sent_at=claimed_at).update(
                followup_sent_at=None, followup_failures=F("followup_failures") + 1
            )
    return result


def _url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _send(complaint: Complaint) -> bool:
    answer_token = token(complaint, ANSWER)
    unsubscribe_url = _url("complaints:followup-unsubscribe", token(complaint, UNSUBSCRIBE))
    base = _url("complaints:followup", answer_token)
    context = {
        "complaint": complaint,
        "answers": [
            (value, label, f"{base}?answer={value}") for value, label in FollowupAnswer.choices
        ],
        "unsubscribe_url": unsubscribe_url,
        "private_link": settings.SITE_URL.rstrip("/") + complaint.private_url(),
    }
    with translation.override(complaint.language or settings.LANGUAGE_CODE):
        subject = render_to_string("complaints/email/followup_subject.txt", context).strip()
        body = render_to_string("complaints/email/followup_body.txt", context)
    message = EmailMessage(
        subject,
        body,
        to=[complaint.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        message.send()
    except Exception as error:  # logged without the address (an SMTP error's text holds it)
        logger.error(
            "The follow-up mail for complaint %s could not be sent (%s)",
            complaint.pk,
            type(error).__name__,
        )
        return False
    return True


def answer(complaint: Complaint, value: str, comment: str) -> bool:
    """Store the answer; False when the complaint was answered before (the first stands).
    The evaluation shows the answers of published reports: it follows at once."""
    stored = Complaint.objects.filter(pk=complaint.pk, followup_answer="").update(
        followup_answer=value,
        followup_comment=comment,
        followup_answered_at=timezone.now(),
    )
    if stored and complaint.status == Status.PUBLISHED:
        caches.after_commit(caches.published_changed)
    return bool(stored)


def unsubscribe(complaint: Complaint) -> None:
    Complaint.objects.filter(pk=complaint.pk, followup_unsubscribed_at=None).update(
        followup_consent=False, followup_unsubscribed_at=timezone.now()
    )
