"""Auto-publish rules: publish, without a person reading them, the pending reports that need
no reading (manage.py auto_publish, from cron; or the rules' admin).

Off by default: nothing happens until the organizer makes a rule and switches it on. Every
condition a rule sets must hold. Each automatic decision goes through
services.complaints_moderate like a person's, recorded with the rule's name (decisions keep
the name the rule had when it decided; a renamed rule counts anew under its new name).
"""

import datetime
import itertools

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from complaints import services
from complaints.models import (
    AutoPublishRule,
    Complaint,
    ModerationDecision,
    Status,
    possibly_duplicate,
)
from complaints.moderation.bursts import burst_members

# Reports published per transaction: short locks, and a run stopped halfway keeps what it did.
CHUNK = 500


def rule_candidates(rule: AutoPublishRule, *, now: datetime.datetime) -> QuerySet[Complaint]:
    """The pending reports that meet every condition of `rule` but the burst (bursts are
    looked up per chunk, bursts.burst_members), oldest first. Reports a moderator holds at
    the desk right now are left to that moderator."""
    cutoff = now - datetime.timedelta(minutes=rule.min_age_minutes)
    reports = Complaint.objects.filter(status=Status.PENDING, submitted_at__lte=cutoff)
    reports = reports.exclude(desk_claimed_until__gt=now)
    if rule.without_description:
        # The original may be blanked by retention while the redacted text stays: both empty.
        reports = reports.filter(description="", description_redacted="")
    if rule.not_duplicate:
        # A possible duplicate either way: marked as one, or marked as the original of one.
        reports = reports.exclude(possibly_duplicate())
    if rule.not_in_burst:
        # The network and email-domain keys are dropped after IP_HASH_RETENTION_DAYS: whether
        # an older report was in a burst can no longer be told, so a person decides it.
        kept_since = now - datetime.timedelta(days=settings.IP_HASH_RETENTION_DAYS)
        reports = reports.exclude(imported=False, submitted_at__lt=kept_since)
    if rule.only_email_confirmed:
        reports = reports.filter(email_confirmed_at__isnull=False)
    if not rule.include_imported:
        reports = reports.filter(imported=False)
    return reports.order_by("submitted_at", "pk")


class Counts(dict):
    """How many reports each rule published (or would); `complete` is False when a rule
    stopped at max_chunks with more reports left (the next run goes on)."""

    complete = True


def auto_publish(
    *,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    rules: QuerySet[AutoPublishRule] | None = None,
    max_chunks: int | None = None,
) -> Counts:
    """Run the active rules (of `rules`, default all), in the order of their names: each
    publishes what meets its conditions, in chunks, oldest first. Returns how many reports
    each rule published (dry_run: would publish; nothing is written). A dry run of rules
    passed in `rules` counts switched-off ones too: that is how a rule is tried before it is on.

    Two runs at once never publish a report twice: each chunk is taken with a row lock that
    the other run skips (PostgreSQL), and what is no longer pending is not taken again."""
    now = now or timezone.now()
    chosen = AutoPublishRule.objects.all() if rules is None else rules
    if rules is None or not dry_run:
        chosen = chosen.filter(is_active=True)
    counts = Counts()
    counted: set[int] = set()  # dry run: what an earlier rule would already have published
    for rule in chosen.order_by("name"):
        counts[rule.name], complete = _run(
            rule, now=now, dry_run=dry_run, counted=counted, max_chunks=max_chunks
        )
        counts.complete = counts.complete and complete
    return counts


def _run(rule: AutoPublishRule, *, now, dry_run: bool, counted: set[int], max_chunks=None):
    candidates = rule_candidates(rule, now=now)
    total = 0
    after = None  # the last report looked at: a report left pending (a burst) is not met again
    for _chunk in itertools.count() if max_chunks is None else range(max_chunks):
        page = candidates
        if after is not None:
            at, pk = after
            page = page.filter(Q(submitted_at__gt=at) | Q(submitted_at=at, pk__gt=pk))
        if dry_run:
            seen, published = _count_chunk(rule, page, counted)
        else:
            seen, published = _publish_chunk(rule, page)
        total += published
        if len(seen) < CHUNK:
            return total, True
        after = seen[-1]
    return total, False


def _count_chunk(rule, page, counted: set[int]) -> tuple[list, int]:
    seen = list(page.values_list("submitted_at", "pk")[:CHUNK])
    ids = _outside_bursts(rule, [pk for _, pk in seen if pk not in counted])
    counted.update(ids)
    return seen, len(ids)


@transaction.atomic
def _publish_chunk(rule, page) -> tuple[list, int]:
    # Locked until this chunk commits; rows another run (or a moderator's decision) holds are
    # skipped, and once committed they are no longer pending.
    locked = page.select_for_update(skip_locked=True)
    seen = list(locked.values_list("submitted_at", "pk")[:CHUNK])
    ids = _outside_bursts(rule, [pk for _, pk in seen])
    if not ids:
        return seen, 0
    published = services.complaints_moderate(
        complaints=Complaint.objects.filter(pk__in=ids),
        status=Status.PUBLISHED,
        rule=rule.name,
        via=ModerationDecision.Via.RULE,
    )
    return seen, published


def _outside_bursts(rule: AutoPublishRule, ids: list[int]) -> list[int]:
    if not rule.not_in_burst or not ids:
        return ids
    in_burst = burst_members(Complaint.objects.filter(pk__in=ids))
    return [pk for pk in ids if pk not in in_burst]


def rule_conditions(rule: AutoPublishRule) -> list[str]:
    """What a rule asks of a report, in words of the active language (the admin's list)."""
    minutes = rule.min_age_minutes
    words = [
        ngettext(
            "submitted at least %(minutes)d minute ago",
            "submitted at least %(minutes)d minutes ago",
            minutes,
        )
        % {"minutes": minutes}
    ]
    flags = [
        (rule.without_description, _("without a description")),
        (rule.not_duplicate, _("not a possible duplicate")),
        (rule.not_in_burst, _("not in a burst")),
        (rule.only_email_confirmed, _("email confirmed")),
        (not rule.include_imported, _("not imported")),
    ]
    return words + [text for wanted, text in flags if wanted]


def rule_risks(rule: AutoPublishRule) -> list[str]:
    """What an active rule publishes that a person might have wanted to look at."""
    # A report joins a burst when others follow within the window: younger, it may yet.
    too_young = rule.not_in_burst and rule.min_age_minutes < settings.BURST_WINDOW_MINUTES
    risks = [
        (not rule.without_description, _("reports with a description nobody has read")),
        (not rule.not_duplicate, _("possible duplicates")),
        (not rule.not_in_burst, _("reports of a burst (many reports from one source)")),
        (
            too_young,
            _("reports younger than a burst's window (%(minutes)d minutes) that may still be one")
            % {"minutes": settings.BURST_WINDOW_MINUTES},
        ),
        (rule.include_imported, _("imported reports")),
    ]
    return [text for risky, text in risks if risky]


def with_published_counts(rules: QuerySet[AutoPublishRule]) -> QuerySet[AutoPublishRule]:
    """The rules, each annotated `published`: its decisions (by its present name) not undone."""
    decisions = (
        ModerationDecision.objects.filter(
            via=ModerationDecision.Via.RULE, rule=OuterRef("name"), undone_at__isnull=True
        )
        .order_by()
        .values("rule")
        .annotate(n=Count("pk"))
        .values("n")
    )
    count = Subquery(decisions, output_field=IntegerField())
    return rules.annotate(published=Coalesce(count, Value(0)))
