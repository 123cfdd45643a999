"""A follower's digest: what happened at their place since the last one, at most weekly.

What a digest holds: the place's numbers when a release since the last digest shows them
(the released evaluation, suppressed as on the city page: a hidden count is never a number
here, and nothing below REPORTS_MIN_COUNT), the carriers' statements published and the
statuses recorded for the city or the district since, and the campaign's news since (less
what the follower got as a newsletter). Nothing happened: no mail, and the follower is
looked at again next run.

Sending is as for the follow-up mails (followups.py): each follower is claimed with one
conditional UPDATE before its mail goes; a failed mail is given back and counted, the
others go on; after BREAKER failures in a row the run stops (the mail server is down).

A run reads once when anything last happened at each place (Activity); a follower with
nothing since their last digest is passed over without a query, so the hourly run costs
little however many followers are quiet. Every mail of a run goes through one connection.
"""

import datetime
import html
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.html import strip_tags

from complaints.campaign import follow
from complaints.models import CampaignUpdate, CarrierStatement, Follower, PlaceStatus
from complaints.privacy.retention import FOLLOWER_MAX_FAILURES
from reports import selectors as report_selectors

WEEK = datetime.timedelta(days=7)
MAX_FAILURES = FOLLOWER_MAX_FAILURES  # then skipped, and after a grace period purged
BREAKER = 10
TEASER = 300
logger = logging.getLogger(__name__)


@dataclass
class Numbers:
    released_at: datetime.datetime
    city: int
    per_100k: float | None
    district: int | None  # None: the district's count is not shown (too few, or protected)


@dataclass
class Digest:
    numbers: Numbers | None = None
    statements: list = field(default_factory=list)  # (place, carrier, status label, text)
    statuses: list = field(default_factory=list)  # (place, status label, date, note)
    updates: list = field(default_factory=list)  # (title, url, teaser)

    def __bool__(self):
        return bool(self.numbers or self.statements or self.statuses or self.updates)


def numbers(evaluation, follower: Follower, since: datetime.datetime) -> Numbers | None:
    """The place's released numbers, when released since `since` and shown at all: shown as
    every public page shows a city (report_selectors.public_city)."""
    k = max(evaluation.min_count, settings.REPORTS_MIN_COUNT)
    if evaluation.released_at is None or evaluation.released_at <= since:
        return None
    if not follower.city_id:  # the newsletter alone: no place, no numbers
        return None
    city = report_selectors.public_city(evaluation, follower.city.slug, follower.city)
    if city is None or not city.shown:
        return None
    district = None
    detail = evaluation.details.get(city.id)
    if follower.district_id and detail is not None and not detail.districts_withheld:
        names = {pk: name for name, pk in detail.district_ids.items()}
        cell = dict(detail.districts).get(names.get(follower.district_id))
        if cell is not None and not cell.suppressed and cell.count is not None:
            district = cell.count if cell.count >= k else None
    return Numbers(evaluation.released_at, city.complaints, city.per_100k, district)


def _places(follower: Follower, prefix: str = "") -> Q:
    """The places a follower hears of: a district and its city, or a city and its districts
    (prefix: the path to the place, "case__" from a statement)."""
    if follower.district_id:
        return Q(**{f"{prefix}place_id__in": [follower.city_id, follower.district_id]})
    return Q(**{f"{prefix}place_id": follower.city_id}) | Q(
        **{f"{prefix}place__parent_id": follower.city_id}
    )


def _name(place) -> str:
    if place.parent_id and place.kind == "district":
        return f"{place.name} ({place.parent.name})"
    return place.name


def _label(status: str):
    """Lazy: translated when the mail is rendered, in the follower's language."""
    return PlaceStatus.Kind(status).label


def build(evaluation, follower: Follower, now: datetime.datetime) -> Digest:
    since = follower.digest_sent_at or follower.confirmed_at
    digest = Digest(numbers=numbers(evaluation, follower, since))
    statements = (
        CarrierStatement.objects.filter(
            review=CarrierStatement.Review.PUBLISHED,
            published_at__gt=since,
            published_at__lte=now,
            case__carrier__in=list(settings.EINZELFALL_CARRIERS),
            case__place__merged_into=None,
        )
        .filter(_places(follower, "case__"))
        .select_related("case__place__parent")
        .order_by("published_at", "pk")
    )
    digest.statements = [
        (_name(s.case.place), s.case.carrier_name, _label(s.status), s.text) for s in statements
    ]
    statuses = (
        PlaceStatus.objects.filter(_places(follower), recorded_at__gt=since, recorded_at__lte=now)
        .filter(date__lte=timezone.localdate(now), place__merged_into=None)
        .select_related("place__parent")
        .order_by("recorded_at", "pk")
    )
    digest.statuses = [(_name(s.place), _label(s.status), s.date, s.note) for s in statuses]
    updates = CampaignUpdate.objects.filter(
        is_published=True, published_at__gt=since, published_at__lte=now
    ).order_by("published_at", "pk")
    if follower.newsletter:  # what came as a newsletter does not come again
        updates = updates.exclude(
            newsletter_queued_at__isnull=False, pk__lte=follower.last_newsletter_id
        )
    for update in updates:
        title, body_html, _language = update.in_language(follower.language)
        teaser = html.unescape(strip_tags(body_html)).strip()
        if len(teaser) > TEASER:
            teaser = teaser[:TEASER].rsplit(" ", 1)[0] + " …"
        link = settings.SITE_URL.rstrip("/") + update.get_absolute_url()
        digest.updates.append((title, link, teaser))
    return digest


def due(now: datetime.datetime):
    """Confirmed followers whose last digest is a week old or who had none, those whose
    mail failed before after the others (and not at all after MAX_FAILURES)."""
    return (
        Follower.objects.filter(confirmed_at__isnull=False, digest_failures__lt=MAX_FAILURES)
        .filter(city__isnull=False)  # the newsletter alone: newsletter.py, no digest
        .filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lte=now - WEEK))
        .order_by("digest_failures", F("digest_sent_at").asc(nulls_first=True), "pk")
    )


@dataclass
class Result:
    due: int = 0
    sent: int = 0
    quiet: int = 0  # nothing happened at their place
    failed: int = 0
    taken: int = 0  # claimed by another run in the meantime
    stopped: bool = False  # BREAKER failures in a row


@dataclass
class Activity:
    """When something last happened that a digest tells, read once per run: a place's
    latest statement and status (under the place and under its city), the latest news."""

    released_at: datetime.datetime | None
    news_at: datetime.datetime | None
    at_place: dict[int, datetime.datetime]

    @classmethod
    def read(cls, evaluation, now: datetime.datetime) -> "Activity":
        at_place: dict[int, datetime.datetime] = {}
        statements = (
            CarrierStatement.objects.filter(
                review=CarrierStatement.Review.PUBLISHED,
                published_at__lte=now,
                case__carrier__in=list(settings.EINZELFALL_CARRIERS),
            )
            .values_list("case__place_id", "case__place__parent_id")
            .annotate(latest=Max("published_at"))
        )
        statuses = (
            PlaceStatus.objects.filter(recorded_at__lte=now)
            .values_list("place_id", "place__parent_id")
            .annotate(latest=Max("recorded_at"))
        )
        for place_id, parent_id, latest in [*statements, *statuses]:
            for pk in (place_id, parent_id):
                if pk and (pk not in at_place or at_place[pk] < latest):
                    at_place[pk] = latest
        news_at = CampaignUpdate.objects.filter(is_published=True, published_at__lte=now).aggregate(
            latest=Max("published_at")
        )["latest"]
        return cls(evaluation.released_at, news_at, at_place)

    def anything_since(self, follower: Follower) -> bool:
        """False only when nothing a digest tells can be new (True: build() decides)."""
        since = follower.digest_sent_at or follower.confirmed_at
        places = (follower.city_id, follower.district_id)
        return any(
            at is not None and at > since
            for at in (self.released_at, self.news_at, *map(self.at_place.get, places))
        )


def send(follower: Follower, digest: Digest, connection=None) -> bool:
    context = {
        "digest": digest,
        "place": follow.place_name(follower),
        "district": follower.district.name if follower.district_id else "",
        "city": follow.city_label(follower.city),
        "city_url": follow.city_url(follower),
        "min_count": settings.REPORTS_MIN_COUNT,
    }
    return follow.mail(
        to=follower.email,
        language=follower.language,
        template="digest",
        context=context,
        unsubscribe_url=follow.url(
            "complaints:follow-unsubscribe", follow.token(follower, follow.UNSUBSCRIBE)
        ),
        connection=connection,
    )


def _each(pks: list[int]):
    """The followers, read in chunks (no cursor held open while rows are written)."""
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        rows = Follower.objects.select_related("city", "district").in_bulk(chunk)
        yield from (rows[pk] for pk in chunk if pk in rows)


def send_due(
    *, limit: int, dry_run: bool = False, now: datetime.datetime | None = None, connection=None
) -> Result:
    """Send up to `limit` digests that are due and have something to say, each once
    (through `connection`, the run's open mail connection, when given)."""
    now = now or timezone.now()
    evaluation = report_selectors.evaluation()
    activity = Activity.read(evaluation, now)
    result, failures_in_a_row = Result(), 0
    for follower in _each(list(due(now).values_list("pk", flat=True))):
        if result.sent + result.failed >= limit:
            break
        result.due += 1
        if not activity.anything_since(follower):
            result.quiet += 1
            continue
        digest = build(evaluation, follower, now)
        if not digest:
            result.quiet += 1
            continue
        if dry_run:
            continue
        previous = follower.digest_sent_at
        # Still due and not claimed: not unsubscribed nor sent by another run meanwhile.
        if not Follower.objects.filter(pk=follower.pk, digest_sent_at=previous).update(
            digest_sent_at=now
        ):
            result.taken += 1
            continue
        if send(follower, digest, connection):
            result.sent += 1
            failures_in_a_row = 0
            Follower.objects.filter(pk=follower.pk, digest_failures__gt=0).update(digest_failures=0)
            continue
        logger.error("The digest for follower %s could not be sent", follower.pk)
        result.failed += 1
        failures_in_a_row += 1
        Follower.objects.filter(pk=follower.pk, digest_sent_at=now).update(
            digest_sent_at=previous, digest_failures=F("digest_failures") + 1
        )
        if failures_in_a_row >= BREAKER:
            result.stopped = True
            break
    return result
