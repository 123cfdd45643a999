"""Releases of the public evaluation: every public number comes from the latest release.

A release freezes the evaluation (reports/assembly.py builds it) as it was when released. The
evaluation counts released reports only, and a report is released together with at least
REPORTS_MIN_COUNT - 1 others of its own city; the reports of small places (cities that stay
below REPORTS_MIN_COUNT, all of whose numbers are hidden, and places matched to no city) are
released as one group of at least as many. So comparing two releases never shows what a
single report added, not even to someone who knows the city of the report he follows: every
shown difference within a city, and what the campaign's totals add beyond the shown cities,
mixes several reports. A city about to be shown for the first time waits for as many new
reports of its own. Between two releases the public pages stay exactly as released, whatever
moderation does.

Releases are made on a schedule (evaluation() checks at most every
EVALUATION_RELEASE_CHECK_SECONDS, so the site needs no cron; manage.py release_evaluation for
cron) or by an organizer in the admin, never with fewer new reports than that.
"""

import datetime
import logging
import pickle
import zlib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.models import Complaint, Status
from einzelfall import cache_keys
from einzelfall.cache import CACHE_UNREACHABLE

from . import rollups
from .assembly import released_evaluation
from .evaluation import Evaluation
from .models import Release, ReleasedComplaint

logger = logging.getLogger(__name__)

# The shape of the pickled Evaluation. Raise it when the Evaluation's classes change in a way
# an older pickle cannot be read as; a release of another format is not shown (see load()).
FORMAT = 1
CURRENT_SECONDS = 60  # how late a process may learn of a release made by another one
LOCK_SECONDS = 300

SERIALIZATION_FAILURE = "40001"
RETRIES = 2  # a release tried again after a serialization failure (see _release_retried)

BUSY = _("Another release is being made at this moment. Try again in a minute.")


@dataclass(frozen=True)
class Batch:
    """The reports published since the last release, against the number a release needs:
    new, all of them; ready, those the next release would take (see _releasable); most, the
    most new ones of one city or of the small places together."""

    new: int
    needed: int
    ready: int = 0
    most: int = 0
    # The cities to release (None: of no city), or with several carriers (city, carrier).
    groups: tuple = ()

    @property
    def big_enough(self) -> bool:
        return self.ready >= self.needed

    def message(self) -> str:
        if self.big_enough:
            return ngettext(
                "%(ready)s new published report ready for release (of %(new)s since the last "
                "release).",
                "%(ready)s new published reports ready for release (of %(new)s since the last "
                "release).",
                self.ready,
            ) % {"ready": self.ready, "new": self.new}
        if _several():
            return ngettext(
                "%(new)s new published report since the last release; a release needs "
                "%(needed)s new ones about one carrier in one city, or in the small places "
                "together (most so far: %(most)s).",
                "%(new)s new published reports since the last release; a release needs "
                "%(needed)s new ones about one carrier in one city, or in the small places "
                "together (most so far: %(most)s).",
                self.new,
            ) % {"new": self.new, "needed": self.needed, "most": self.most}
        return ngettext(
            "%(new)s new published report since the last release; a release needs "
            "%(needed)s new ones in one city, or in the small places together (most so far: "
            "%(most)s).",
            "%(new)s new published reports since the last release; a release needs "
            "%(needed)s new ones in one city, or in the small places together (most so far: "
            "%(most)s).",
            self.new,
        ) % {"new": self.new, "needed": self.needed, "most": self.most}


def _released_ids():
    return ReleasedComplaint.objects.values("complaint_id")


def _unreleased():
    """Published reports that are in no release yet."""
    released = ReleasedComplaint.objects.filter(complaint_id=OuterRef("pk"))
    return Complaint.objects.filter(status=Status.PUBLISHED).exclude(Exists(released))


def _several() -> bool:
    return len(settings.EINZELFALL_CARRIERS) > 1


def _by_group(queryset) -> dict:
    """New reports per release group: per city (None: of no city), or with several carriers
    per (city, carrier), so that no carrier's view of a city changes by a single report."""
    if _several():
        rows = queryset.values_list("city_place_id", "carrier").annotate(n=Count("id")).order_by()
        return {(city, carrier): n for city, carrier, n in rows}
    rows = queryset.values_list("city_place_id").annotate(n=Count("id")).order_by()
    return dict(rows)


def _city(group) -> int | None:
    return group[0] if isinstance(group, tuple) else group


def _from_rollups() -> tuple[dict, dict]:
    """New reports per release group and released ones per city, read from the rollups (kept
    by the database's triggers in the same transaction as every write, so in the release's
    snapshot too): no pass over the reports."""
    several = _several()
    new, shown = defaultdict(int), defaultdict(int)
    for (released, city, carrier), n in rollups.by_city_carrier().items():
        if released:
            shown[city] += n
        else:
            new[(city, carrier) if several else city] += n
    return {key: n for key, n in new.items() if n}, dict(shown)


def _recounted() -> tuple[dict, dict]:
    """The same counted from the reports (the tests compare both): an anti-join over every
    report, 0.7 s at a million."""
    new = _by_group(_unreleased())
    rows = Complaint.objects.filter(status=Status.PUBLISHED, pk__in=_released_ids())
    shown = dict(rows.values_list("city_place_id").annotate(n=Count("id")).order_by())
    return new, shown


def batch(needed: int | None = None) -> Batch:
    """What the next release would take. A city's new reports (with several carriers: a
    city's new reports of one carrier) go when there are at least `needed` of them. Those of
    a city that stays below `needed` with all its new ones (so all its numbers stay hidden)
    and of places matched to no city go together, when they are at least `needed` (with
    several carriers: per carrier, so that no carrier's totals change by a single report). A
    city that would be shown for the first time waits for `needed` new ones."""
    return _batch(needed, *_from_rollups())


def recounted_batch(needed: int | None = None) -> Batch:
    """batch() counted from the reports instead of the rollups (for the tests)."""
    return _batch(needed, *_recounted())


def _batch(needed: int | None, new: dict, shown: dict) -> Batch:
    needed = settings.REPORTS_MIN_COUNT if needed is None else needed
    cities = [key for key, n in new.items() if _city(key) is not None and n >= needed]
    smalls = [
        (group, sum(new[key] for key in group)) for group in _small_places(new, shown, needed)
    ]
    groups = tuple(cities) + tuple(key for group, n in smalls if n >= needed for key in group)
    return Batch(
        new=sum(new.values()),
        needed=needed,
        ready=sum(new[key] for key in groups),
        most=max(
            [*(n for _, n in smalls), *(n for key, n in new.items() if _city(key) is not None)],
            default=0,
        ),
        groups=groups,
    )


def _small_places(new: dict, shown: dict, needed: int) -> list[list]:
    """The groups whose new reports go together (one, or one per carrier): no city, and the
    cities that stay below `needed` with all their new ones (shown: the released reports
    per city), of every carrier. A city that will be shown never goes with them: its numbers
    would change by a single report."""
    new_by_city = defaultdict(int)
    for key, n in new.items():
        new_by_city[_city(key)] += n
    small = [
        key
        for key in new
        if _city(key) is None or shown.get(_city(key), 0) + new_by_city[_city(key)] < needed
    ]
    if not _several():
        return [small]
    per_carrier = defaultdict(list)
    for key in small:
        per_carrier[key[1]].append(key)
    return [per_carrier[carrier] for carrier in sorted(per_carrier)]


def release_evaluation(*, by: AbstractBaseUser | None = None, minimum: int | None = None):
    """Release the evaluation now, when the batch is big enough; otherwise a ValidationError
    says why not. by: the organizer who released by hand (None: the schedule).

    minimum replaces REPORTS_MIN_COUNT as the batch size for tests that build a small world;
    no command, page or admin action passes it."""
    needed = settings.REPORTS_MIN_COUNT if minimum is None else minimum
    # The usual answer, without a transaction; counted again in the release's.
    found = batch(needed)
    if not found.big_enough:
        raise ValidationError(found.message(), code="batch_too_small")
    if not cache.add(cache_keys.RELEASE_LOCK, 1, LOCK_SECONDS):
        raise ValidationError(BUSY, code="busy")
    try:
        release = _release_retried(by, needed)
    except IntegrityError:
        # Another process (with another cache) took the same number at the same moment.
        raise ValidationError(BUSY, code="busy") from None
    except OperationalError as error:
        # The same on PostgreSQL, seen by the snapshot (a serialization failure).
        if not _serialization_failure(error):
            raise
        raise ValidationError(BUSY, code="busy") from None
    finally:
        cache.delete(cache_keys.RELEASE_LOCK)
    cache.set(cache_keys.RELEASE_CURRENT, (release.number, release.released_at), CURRENT_SECONDS)
    logger.info(
        "Evaluation release %s: %s published reports, %s new",
        release.number,
        release.published_count,
        release.new_count,
    )
    return release


def _serialization_failure(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == SERIALIZATION_FAILURE


def _release_retried(by, needed: int) -> Release:
    """_release, once more (RETRIES times) after a serialization failure: the release's
    insert updates rollup rows that a moderation decision committed meanwhile may have
    updated too, which REPEATABLE READ refuses. Inside an outer transaction nothing can be
    retried (its snapshot is the caller's)."""
    for attempt in range(RETRIES + 1):
        try:
            return _release(by, needed)
        except OperationalError as error:
            if (
                not _serialization_failure(error)
                or attempt == RETRIES
                or connection.in_atomic_block
            ):
                raise
            logger.info("Evaluation release: serialization failure, tried again")
    raise AssertionError("unreachable")


def _release(by, needed: int) -> Release:
    # One snapshot for the count, the list of released reports and every aggregate: a report
    # published meanwhile must be in all of them or in none.
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        found = batch(needed)
        if not found.big_enough:
            raise ValidationError(found.message(), code="batch_too_small")
        last = Release.objects.order_by("-number").values_list("number", flat=True).first()
        now = timezone.now()
        release = Release.objects.create(
            number=(last or 0) + 1,
            released_at=now,
            published_count=0,
            new_count=found.new,
            released_by=by,
            format=FORMAT,
            evaluation=b"",
        )
        release.new_count = _mark_released(release, list(found.groups))
        evaluation = released_evaluation()
        evaluation.generated_at = now
        evaluation.release_number = release.number
        evaluation.released_at = now
        evaluation.version = f"release-{release.number}-{now.timestamp()}"
        for of_carrier in (evaluation.by_carrier or {}).values():
            of_carrier.generated_at = now
            of_carrier.release_number = release.number
            of_carrier.released_at = now
            of_carrier.version = f"{evaluation.version}-{of_carrier.carrier}"
        release.published_count = evaluation.total
        release.evaluation = _dump(evaluation)
        release.save(update_fields=["new_count", "published_count", "evaluation"])
    return release


def _mark_released(release: Release, groups: list) -> int:
    """Lists every published report of these groups (cities, None: of no city; or (city,
    carrier)) not yet in a release as in this one; one statement per carrier, so a million
    reports never pass through Python."""
    if not _several():
        return _mark(release, groups, None)
    by_carrier = defaultdict(list)
    for city, carrier in groups:
        by_carrier[carrier].append(city)
    return sum(_mark(release, cities, carrier) for carrier, cities in sorted(by_carrier.items()))


def _mark(release: Release, cities: list[int | None], carrier: str | None) -> int:
    quote = connection.ops.quote_name
    released = quote(ReleasedComplaint._meta.db_table)
    complaints = quote(Complaint._meta.db_table)
    city = quote(Complaint._meta.get_field("city_place").column)
    ids = [pk for pk in cities if pk is not None]
    where = []
    if ids:
        where.append(f"c.{city} IN ({', '.join(['%s'] * len(ids))})")
    if None in cities:
        where.append(f"c.{city} IS NULL")
    params = [release.pk, Status.PUBLISHED.value, *ids]
    of_carrier = ""
    if carrier is not None:
        of_carrier = f" AND c.{quote(Complaint._meta.get_field('carrier').column)} = %s"
        params.append(carrier)
    # The reports listed are locked until the release commits: a decision on one of them
    # waits, then its rollup triggers see it released (without the lock the first of them
    # counted it as unreleased, and the rollups no longer added up). One made meanwhile is a
    # serialization failure, and the release is tried again.
    lock = " FOR SHARE OF c" if connection.vendor == "postgresql" else ""
    # Only the tables' and columns' own names are put in the text; the values are parameters.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {released} (complaint_id, release_id) "  # noqa: S608
            f"SELECT c.id, %s FROM {complaints} c WHERE c.status = %s AND ({' OR '.join(where)})"
            f"{of_carrier}"
            f" AND NOT EXISTS (SELECT 1 FROM {released} r WHERE r.complaint_id = c.id){lock}",
            params,
        )
        return cursor.rowcount


def release_if_due() -> Release | None:
    """The schedule: at most once per EVALUATION_RELEASE_CHECK_SECONDS across processes (the
    cache says when it last ran), release when the batch is big enough. Never fails a page."""
    seconds = settings.EVALUATION_RELEASE_CHECK_SECONDS
    try:
        if seconds <= 0 or not cache.add(cache_keys.RELEASE_CHECKED, 1, seconds):
            return None
    except CACHE_UNREACHABLE:
        return None  # without Redis no process knows when it last ran: the schedule waits
    try:
        return release_evaluation()
    except ValidationError:
        return None
    except Exception:
        # The page still serves the last release; the next check (or the command) tries again.
        logger.exception("The scheduled release of the evaluation failed")
        return None


def current() -> tuple[int, datetime.datetime] | None:
    """The latest release's number and time (None before the first), shared by the cache."""
    found = cache.get(cache_keys.RELEASE_CURRENT)
    if found is None:
        latest = Release.objects.order_by("-number").values_list("number", "released_at").first()
        found = latest or 0
        cache.set(cache_keys.RELEASE_CURRENT, found, CURRENT_SECONDS)
    return found or None


def load(number: int) -> Evaluation | None:
    """The evaluation frozen in a release; None when it cannot be read (another format)."""
    release = Release.objects.filter(number=number).only("format", "evaluation").first()
    if release is None:
        return None
    if release.format != FORMAT:
        logger.warning(
            "Evaluation release %s has format %s, this version reads %s: not shown",
            number,
            release.format,
            FORMAT,
        )
        return None
    # Written by _dump into the site's own database, as Django's cache pickles into its own.
    try:
        found = pickle.loads(zlib.decompress(bytes(release.evaluation)))  # noqa: S301
    except Exception:
        # Damaged bytes, or a class renamed without raising FORMAT: every public page reads
        # this, so it shows no numbers rather than failing.
        logger.exception("Evaluation release %s cannot be read: not shown", number)
        return None
    if not isinstance(found, Evaluation):
        logger.error("Evaluation release %s cannot be read: not shown", number)
        return None
    return found


def _dump(evaluation: Evaluation) -> bytes:
    evaluation.rendered = {}  # charts are rendered per process, not stored
    for of_carrier in (evaluation.by_carrier or {}).values():
        of_carrier.rendered = {}
    return zlib.compress(pickle.dumps(evaluation, protocol=pickle.HIGHEST_PROTOCOL))
