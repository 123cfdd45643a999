"""Double opt-in: the mail that asks a submitter to confirm their email address.

The link carries a signed token (Django's signing, keyed with SECRET_KEY): the complaint's id
and a keyed hash of the address, never the address itself (a signed token is readable). It
expires after CONFIRM_MAX_AGE; a tampered, expired or stale one (the address changed or was
deleted) is refused. Opening the link shows a button; only that POST confirms, so mail
scanners that open links do not confirm anything. Unconfirmed complaints are moderated and
counted like any other.
"""

import hashlib
import hmac
import logging

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from complaints.models import Complaint

SALT = "einzelfall.confirm-email"
CONFIRM_MAX_AGE = 30 * 24 * 3600
logger = logging.getLogger(__name__)


def address_digest(email: str) -> str:
    """A keyed hash of the address for signed links: a link dies when the address changes
    or is purged, and the readable token never holds the address itself."""
    return hmac.new(
        settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()[:16]


def token(complaint: Complaint) -> str:
    return signing.dumps([complaint.pk, address_digest(complaint.email)], salt=SALT)


def complaint_for(value: str) -> Complaint | None:
    """The complaint a token is for, or None (tampered, expired, or the address changed)."""
    try:
        pk, digest = signing.loads(value, salt=SALT, max_age=CONFIRM_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    complaint = Complaint.objects.filter(pk=pk).exclude(email="").first()
    if complaint is None or not hmac.compare_digest(digest, address_digest(complaint.email)):
        return None
    return complaint


def send_after(response, complaint: Complaint, request) -> None:
    """send(), once the response has gone out: the WSGI server closes the response after
    sending it, and Django then calls its closers. The answer never waits for the mail
    server; the links are made now, from the request."""
    if not complaint.email:
        return
    context = _context(complaint, request)
    # HttpResponseBase.close() calls each closer (and swallows what one raises: _mail logs).
    response._resource_closers.append(lambda: _mail(complaint, context))


def send(complaint: Complaint, request) -> bool:
    """Mail the confirmation link (and the private link), in the language of the form.

    A mail server that is down must not cost the report: the failure is logged, the report
    stays (unconfirmed), and the submitter still has the private link on the thanks page."""
    if not complaint.email:
        return False
    return _mail(complaint, _context(complaint, request))


def _context(complaint: Complaint, request) -> dict:
    return {
        "complaint": complaint,
        "confirm_url": request.build_absolute_uri(
            reverse("complaints:confirm", args=[token(complaint)])
        ),
        "private_link": request.build_absolute_uri(complaint.private_url()),
    }


def _mail(complaint: Complaint, context: dict) -> bool:
    with translation.override(complaint.language or settings.LANGUAGE_CODE):
        subject = render_to_string("complaints/email/confirm_subject.txt", context).strip()
        body = render_to_string("complaints/email/confirm_body.txt", context)
    try:
        send_mail(subject, body, None, [complaint.email])
    except Exception as error:  # any transport error: logged, never a lost report or a 500
        # Only the kind of error: an SMTP refusal's text and traceback hold the address.
        logger.error(
            "The confirmation mail for complaint %s could not be sent (%s)",
            complaint.pk,
            type(error).__name__,
        )
        return False
    return True
