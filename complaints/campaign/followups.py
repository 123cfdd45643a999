"""Follow-up: weeks after a report, one mail asks whether the problem has improved.

Only for a confirmed address whose owner asked for it on the form; `send_followups` sends the
due ones every hour (campaign/services.py). The links carry signed tokens (the complaint's id
and a keyed hash of the address): tampered, expired or for an address deleted since, they are
a 404. Opening an answer link only selects the answer; a POST stores it, because mail scanners
open every link in a mail. Unsubscribing is one click, or one POST (RFC 8058).
"""

import datetime
import hmac
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from complaints.intake.confirmation import address_digest
from complaints.models import NOT_COUNTED, Complaint, FollowupAnswer

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


def _url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def send(complaint: Complaint) -> bool:
    """Send the follow-up mail to the complaint's address; False when that failed (logged).
    A server that accepts a mail and then fails the connection counts as failed: that mail
    can arrive twice, never the other way round."""
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
