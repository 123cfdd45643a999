"""The campaign newsletter: a campaign update the organizer queues in the back office goes to
every confirmed follower who asked for it, in their language (sent by manage.py send_digests).

One mail per address, however many places it follows: all its rows are claimed together
(last_newsletter_id raised to the update's id in one conditional UPDATE) before the mail
goes, so a second run, or one running alongside, sends nothing twice. A failed mail gives
its rows back and counts a failure (digests.MAX_FAILURES, then the address is left out: it
holds up nobody). The update is marked sent once nobody is left to send it to.
"""

import html
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.html import strip_tags

from complaints.campaign import follow
from complaints.campaign.digests import BREAKER, MAX_FAILURES
from complaints.models import CampaignUpdate, Follower

logger = logging.getLogger(__name__)


def queue(updates) -> int:
    """Queue these campaign updates as newsletters (those not queued yet); how many were."""
    return updates.filter(newsletter_queued_at=None, is_published=True).update(
        newsletter_queued_at=timezone.now()
    )


def queued(now=None):
    """Queued updates not sent to everyone yet, that the public may see already."""
    return CampaignUpdate.objects.filter(
        newsletter_queued_at__isnull=False,
        newsletter_sent_at=None,
        is_published=True,
        published_at__lte=now or timezone.now(),
    ).order_by("pk")


def _recipients(update: CampaignUpdate, mark: bool = True) -> dict[str, list[Follower]]:
    """The rows still to be sent `update`, by address (lower case); an address that got it
    through another of its rows is marked at once and not mailed again."""
    rows = (
        Follower.objects.filter(confirmed_at__isnull=False, newsletter=True)
        .annotate(address=Lower("email"))
        .order_by("-confirmed_at", "pk")
    )
    by_address = defaultdict(list)
    for row in rows.filter(digest_failures__lt=MAX_FAILURES, last_newsletter_id__lt=update.pk):
        by_address[row.address].append(row)
    done = set(
        rows.filter(address__in=list(by_address), last_newsletter_id__gte=update.pk).values_list(
            "address", flat=True
        )
    )
    for address in done:
        rows_of_address = by_address.pop(address)
        if mark:
            Follower.objects.filter(pk__in=[r.pk for r in rows_of_address]).update(
                last_newsletter_id=update.pk
            )
    return by_address


@dataclass
class Result:
    updates: int = 0
    sent: int = 0
    failed: int = 0
    taken: int = 0
    stopped: bool = False


def _text(update: CampaignUpdate, language: str) -> dict:
    title, body_html, shown_language = update.in_language(language)
    body = html.unescape(strip_tags(body_html.replace("</p>", "</p>\n"))).strip()
    link = settings.SITE_URL.rstrip("/") + update.get_absolute_url()
    return {"title": title, "body": body, "url": link, "text_language": shown_language}


def _send_one(update: CampaignUpdate, rows: list[Follower], connection=None) -> bool:
    first = rows[0]  # the most recently confirmed row speaks for the address
    return follow.mail(
        to=first.email,
        language=first.language,
        template="newsletter",
        context=_text(update, first.language),
        unsubscribe_url=follow.url(
            "complaints:newsletter-unsubscribe", follow.token(rows, follow.NEWSLETTER)
        ),
        connection=connection,
    )


def send_queued(*, limit: int, dry_run: bool = False, connection=None) -> Result:
    """Send the queued newsletters, up to `limit` mails in this run (through `connection`,
    the run's open mail connection, when given)."""
    result, failures_in_a_row = Result(), 0
    for update in queued():
        result.updates += 1
        recipients = _recipients(update, mark=not dry_run)
        if dry_run:
            result.sent += len(recipients)
            continue
        for rows in recipients.values():
            if result.sent + result.failed >= limit or failures_in_a_row >= BREAKER:
                result.stopped = failures_in_a_row >= BREAKER
                return result
            pks = [r.pk for r in rows]
            if not Follower.objects.filter(pk__in=pks, last_newsletter_id__lt=update.pk).update(
                last_newsletter_id=update.pk
            ):
                result.taken += 1
                continue
            if _send_one(update, rows, connection):
                result.sent += 1
                failures_in_a_row = 0
                # Failures count in a row (then the address is left out, later purged).
                Follower.objects.filter(pk__in=pks, digest_failures__gt=0).update(digest_failures=0)
                continue
            logger.error("The newsletter %s to follower %s could not be sent", update.pk, pks[0])
            result.failed += 1
            failures_in_a_row += 1
            for row in rows:
                Follower.objects.filter(pk=row.pk).update(
                    last_newsletter_id=row.last_newsletter_id,
                    digest_failures=F("digest_failures") + 1,
                )
        if not _recipients(update):
            CampaignUpdate.objects.filter(pk=update.pk, newsletter_sent_at=None).update(
                newsletter_sent_at=timezone.now()
            )
    return result
