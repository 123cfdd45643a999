import datetime
import functools
import math
import random
import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from complaints import caches, demo_data
from complaints.carrier.imports.stream import analyze_after_commit
from complaints.models import CampaignGoal, Complaint, ProblemType, Status, new_pseudonym
from complaints.places import matching
from complaints.places.names import name_key
from complaints.privacy.redaction import redact

BATCH_SIZE = 5000
# Who the demo's moderated complaints were moderated by. It cannot log in.
DEMO_MODERATOR = "demo-moderator"


@functools.cache
def _redacted(description: str) -> str:
    return redact(description)


class Command(BaseCommand):
    help = (
        "Create realistic demo complaints: German cities weighted by population, real "
        "districts, a viral rise over several weeks, and a mix of moderation states."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=2000, help="How many complaints.")
        parser.add_argument(
            "--days", type=int, default=42, help="Spread submissions over this many days."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has complaints (used by make run).",
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeats.")
        parser.add_argument(
            "--all-published",
            action="store_true",
            help="Every complaint published (for benchmarks of the evaluation).",
        )

    def handle(self, *args, count, days, if_empty, seed, all_published, **options):
        if count < 0:
            raise CommandError("--count must not be negative.")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if if_empty and Complaint.objects.exists():
            self.stdout.write("Demo data skipped: the database already has complaints.")
            return
        problems = self._problems()
        started = time.monotonic()
        generator = DemoGenerator(
            random.Random(seed),
            problems,
            days=days,
            moderator=self._moderator(),
            all_published=all_published,
        )
        created = self._create(generator, count)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Created {created:,} demo complaints in {elapsed:.1f} s.")
        )
        if created:
            self._release()

    def _problems(self) -> dict[str, int]:
        problems = {p.slug: p.pk for p in ProblemType.objects.all()}
        missing = set(demo_data.PROBLEM_WEIGHTS) - set(problems)
        if missing:
            raise CommandError(f"Problem types missing (run migrate): {', '.join(sorted(missing))}")
        return problems

    def _moderator(self):
        moderator, created = get_user_model().objects.get_or_create(
            username=DEMO_MODERATOR, defaults={"first_name": "Demo", "last_name": "Moderator"}
        )
        if created:
            moderator.set_unusable_password()
            moderator.save(update_fields=["password"])
        return moderator

    @transaction.atomic
    def _create(self, generator: "DemoGenerator", count: int) -> int:
        """Draws and stores `count` complaints in batches of BATCH_SIZE, in one transaction."""
        through = Complaint.problems.through
        created = 0
        while created < count:
            size = min(BATCH_SIZE, count - created)
            rows = [generator.complaint() for _ in range(size)]
            complaints = Complaint.objects.bulk_create([c for c, _ in rows])
            through.objects.bulk_create(
                [
                    through(complaint_id=complaint.pk, problemtype_id=problem_id)
                    for complaint, (_, problem_ids) in zip(complaints, rows, strict=True)
                    for problem_id in problem_ids
                ]
            )
            created += size
            if count >= 20_000:
                self.stderr.write(f"  {created:,} / {count:,}")
        if created:
            demo_data.seed_campaign()
            self._goal()
        caches.after_commit(caches.counter_invalidate)
        # The planner's statistics of the tables just filled (PostgreSQL): the first export
        # must not be planned on those of an empty database.
        analyze_after_commit()
        return created

    def _goal(self):
        """A goal a little above the demo's count, so that the landing page shows the
        progress bar (only when there is none: the organizer's own is never touched)."""
        if not CampaignGoal.objects.exists():
            counted = Complaint.objects.counted().count()
            every = 1000 if counted >= 5000 else 100
            target = (counted * 5 // 4 // every + 1) * every
            CampaignGoal.objects.create(target=target, milestone_every=every)
        caches.after_commit(caches.goal_changed)

    def _release(self):
        """The demo's numbers public at once, as a release (reports/releases.py) would make
        them after its first batch, without waiting for the hourly check."""
        from django.core.exceptions import ValidationError

        from reports import releases

        try:
            release = releases.release_evaluation()
        except ValidationError as error:
            self.stdout.write(f"Evaluation not released: {error.messages[0]}")
        else:
            self.stdout.write(
                f"Evaluation released ({release.published_count:,} published reports)."
            )


class DemoGenerator:
    """Draws one plausible complaint at a time from the demo data's distributions."""

    def __init__(self, rng, problems, *, days: int, moderator, all_published: bool = False):
        self.rng = rng
        # Its own draws for what came later (made offline), so that a seed still gives the
        # same complaints as before, and their own order.
        self.offline_rng = random.Random(repr(rng.getstate()))
        self.all_published = all_published
        self.moderator = moderator
        self.problems = problems
        self.now = timezone.now()
        self.start = self.now - datetime.timedelta(days=days)
        self.days = days
        self.carriers = list(settings.EINZELFALL_CARRIERS)
        self.cities = demo_data.CITIES
        self.places = matching.get_index()
        # Real postal codes of each demo city, from the gazetteer (none before load_places).
        self.postal_codes = {}
        for name, _, _ in self.cities:
            found = self.places.match(name)
            if found.matched:
                self.postal_codes[name] = sorted(self.places.codes_of.get(found.city_id, []))
        # Big cities report more than their size alone explains: denser use, and that is
        # where a campaign spreads first (in 2011 most reports came from Hamburg and Berlin).
        self.city_weights = [pop**1.1 for _, pop, _ in self.cities]
        self.day_weights = [self._virality(day) for day in range(days)]
        # Evenings are when people are home, online and annoyed.
        self.hour_weights = [
            1,
            1,
            1,
            1,
            1,
            1,
            2,
            4,
            6,
            6,
            6,
            6,
            7,
            6,
            6,
            6,
            7,
            8,
            9,
            10,
            11,
            10,
            7,
            3,
        ]

    def _virality(self, day: int) -> float:
        """Quiet start, a press-driven spike about a quarter in, then a long tail."""
        peak = max(1, self.days // 4)
        if day < peak:
            return 1 + 20 / (1 + math.exp(-(day - peak + 2)))
        return 3 + 60 * math.exp(-(day - peak) / (self.days / 6))

    def _pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _submitted_at(self) -> datetime.datetime:
        day = self.rng.choices(range(self.days), weights=self.day_weights)[0]
        hour = self.rng.choices(range(24), weights=self.hour_weights)[0]
        moment = self.start + datetime.timedelta(
            days=day, hours=hour, minutes=self.rng.randrange(60), seconds=self.rng.randrange(60)
        )
        return min(moment, self.now)

    def complaint(self) -> tuple[Complaint, list[int]]:
        # The draws keep their order: a seed gives the same complaints as before.
        rng = self.rng
        city, district, typed_city, postal_code = self._where()
        problem_ids = self._problem_ids()
        submitted_at = self._submitted_at()
        status, moderated_at = self._moderation(submitted_at)
        since = self._since(submitted_at)
        language = "en" if rng.random() < 0.08 else "de"
        if rng.random() < demo_data.TYPO_SHARE:
            typed_city = rng.choice(demo_data.TYPOS)
        place = self.places.match(typed_city, district, postal_code)
        typed_city = typed_city.strip() or city
        complaint = Complaint(
            reference=secrets.token_urlsafe(24),
            pseudonym=new_pseudonym(),
            carrier=self.carriers[0] if rng.random() < 0.8 else rng.choice(self.carriers),
            city=typed_city,
            city_key=name_key(typed_city),
            district=district,
            city_place_id=place.city_id,
            district_place_id=place.district_id,
            postal_code=postal_code,
            technology=self._pick(demo_data.TECHNOLOGY_WEIGHTS),
            frequency=self._pick(demo_data.FREQUENCY_WEIGHTS),
            since=since,
            location=self._pick(demo_data.LOCATION_WEIGHTS),
            description=(description := rng.choice(demo_data.DESCRIPTIONS)),
            # The demo descriptions hold no email address: the redaction is the same for all.
            description_redacted=_redacted(description),
            # Demo addresses only ever use the reserved example.org domain.
            email=f"demo{rng.randrange(10**9)}@example.org" if rng.random() < 0.35 else "",
            language=language,
            consent_at=submitted_at,
            privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
            submitted_at=submitted_at,
            status=status,
            moderated_at=moderated_at,
            moderated_by=self.moderator if moderated_at else None,
        )
        self._followup(complaint)
        self._made_offline(complaint)
        return complaint, problem_ids

    def _made_offline(self, complaint: Complaint) -> None:
        """Some reports made without a connection and sent hours to days later."""
        rng = self.offline_rng
        if rng.random() >= demo_data.OFFLINE_SHARE:
            return
        hours = rng.uniform(0.5, 24 * demo_data.OFFLINE_MAX_DELAY_DAYS)
        complaint.made_offline = True
        complaint.observed_at = complaint.submitted_at - datetime.timedelta(hours=hours)

    def _where(self) -> tuple[str, str, str, str]:
        """A city by its weight; maybe a district, a messy spelling and a postal code."""
        rng = self.rng
        city, _, districts = rng.choices(self.cities, weights=self.city_weights)[0]
        district = rng.choice(districts) if districts and rng.random() < 0.75 else ""
        typed_city = city
        if city in demo_data.MESSY_SPELLINGS and rng.random() < demo_data.MESSY_SHARE:
            typed_city = rng.choice(demo_data.MESSY_SPELLINGS[city])
        postal_code = ""
        codes = self.postal_codes.get(city)
        if codes and rng.random() < 0.4:
            postal_code = rng.choice(codes)
        return city, district, typed_city, postal_code

    def _problem_ids(self) -> list[int]:
        slugs = {self._pick(demo_data.PROBLEM_WEIGHTS)}
        while self.rng.random() < 0.35 and len(slugs) < 4:
            slugs.add(self._pick(demo_data.PROBLEM_WEIGHTS))
        return [self.problems[slug] for slug in sorted(slugs)]

    def _moderation(self, submitted_at: datetime.datetime):
        """The status, and when a moderator decided it (None while pending)."""
        status = Status.PUBLISHED if self.all_published else self._pick(demo_data.STATUS_WEIGHTS)
        if status == Status.PENDING:
            return status, None
        hours = self.rng.uniform(0.2, 48)
        return status, min(submitted_at + datetime.timedelta(hours=hours), self.now)

    def _since(self, submitted_at: datetime.datetime) -> datetime.date | None:
        """The first of a month up to two years before the report, or None (not told)."""
        if self.rng.random() >= 0.6:
            return None
        months_back = self.rng.randrange(0, 24)
        first = submitted_at.date().replace(day=1)
        year, month = divmod(first.year * 12 + first.month - 1 - months_back, 12)
        return datetime.date(year, month + 1, 1)

    def _followup(self, complaint: Complaint) -> None:
        """A confirmed address for some, a follow-up asked for and answered for some of those."""
        rng = self.rng
        if not complaint.email or rng.random() >= 0.6:
            return
        submitted_at = complaint.submitted_at
        complaint.email_confirmed_at = submitted_at + datetime.timedelta(minutes=5)
        complaint.followup_consent = rng.random() < 0.5
        # Answers from those asked a while ago (the demo's campaign is only weeks old).
        if complaint.followup_consent and submitted_at < self.now - datetime.timedelta(days=21):
            complaint.followup_sent_at = submitted_at + datetime.timedelta(days=21)
            if rng.random() < 0.7:
                complaint.followup_answer = self._pick(demo_data.FOLLOWUP_WEIGHTS)
                complaint.followup_answered_at = complaint.followup_sent_at
