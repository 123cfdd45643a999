# ruff: noqa: S608 -- the raw statements hold only placeholders for their values
"""The rollups after a randomized mix of every write that changes what is published (issue 23,
part 1): moderations through the services and the desk, edits in the back office, place
merges, self-service and admin deletions, legacy imports, releases, the purge and raw SQL.
After every step check_rollups finds no difference and each count of the evaluation read
from the rollups equals its GROUP BY recount; at the end the whole evaluation does, with
several carriers, released or not. Seeded, so that a failure is reproduced by its seed."""

import contextlib
import datetime
import io
import random
import zoneinfo

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.admin import ComplaintAdmin
from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV
from complaints.models import (
    Complaint,
    FollowupAnswer,
    Place,
    ProblemType,
    RejectionReason,
    Status,
    Technology,
)
from complaints.moderation.desk import Stale, desk_decide
from complaints.places.services import places_merge
from complaints.privacy.retention import personal_data_purge
from reports import queries, rollups
from reports.assembly import build_evaluation, released_evaluation

from .factories import ComplaintFactory, UserFactory
from .helpers import release

pytestmark = pytest.mark.django_db

CARRIERS = {"o2": "O2", "telekom": "Telekom"}
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Around midnight, the change to and from summer time and a week's turn, in local time.
MOMENTS = [
    datetime.datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
    datetime.datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN),
    datetime.datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN),
    datetime.datetime(2026, 11, 1, 23, 59, tzinfo=BERLIN),
    datetime.datetime(2026, 11, 2, 0, 1, tzinfo=BERLIN),
    datetime.datetime(2026, 11, 8, 23, 30, tzinfo=datetime.UTC),
]
PLACES = [("Hamburg", "Altona"), ("Hamburg", "Eimsbüttel"), ("München", ""), ("Berlin", "")]
PLACES += [("Köln", ""), ("Nirgendwo", "")]
COUNTS = [
    "count_total",
    "count_confirmed",
    "count_by_problem",
    "count_by_technology",
    "count_by_day",
    "count_by_hour",
    "count_by_city",
    "count_by_city_and_district",
    "count_by_city_and_problem",
    "count_by_city_and_technology",
    "count_by_city_and_week",
    "count_followups_by_city_and_district",
]


def assert_rollups_match():
    assert rollups.differences() == []
    districts = list(Place.objects.filter(kind=Place.Kind.DISTRICT).values_list("pk", flat=True))
    for scope in (contextlib.nullcontext, queries.released_only):
        with scope():
            for name in COUNTS:
                count = getattr(queries, name)
                assert count() == count.recount(), name
            by_week = queries.count_by_district_and_week
            assert by_week(districts) == by_week.recount(districts)
            carriers = queries.carrier_counts
            assert carriers(list(CARRIERS)) == carriers.recount(list(CARRIERS))
            with queries.for_carrier("telekom"):
                for name in ("count_total", "count_by_day", "count_by_city_and_problem"):
                    count = getattr(queries, name)
                    assert count() == count.recount(), name


def frozen(evaluation):
    """The evaluation without the moment it was made."""
    for each in [evaluation, *(evaluation.by_carrier or {}).values()]:
        each.generated_at = None
    return evaluation


class Mix:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.moderator = UserFactory(is_staff=True, is_superuser=True)
        self.reason = RejectionReason.objects.filter(is_active=True).first()
        self.problems = list(ProblemType.objects.values_list("slug", flat=True))
        self.imports = 0

    def some(self, n=3):
        ids = list(Complaint.objects.values_list("pk", flat=True))
        return self.rng.sample(ids, min(n, len(ids)))

    def one(self):
        found = self.some(1)
        return Complaint.objects.get(pk=found[0]) if found else None

    def new(self):
        city, district = self.rng.choice(PLACES)
        status = self.rng.choice([Status.PENDING, Status.PUBLISHED])
        ComplaintFactory(
            city=city,
            district=district,
            carrier=self.rng.choice(list(CARRIERS)),
            status=status,
            technology=self.rng.choice(Technology.values),
            problems=self.rng.sample(self.problems, self.rng.randint(1, 3)),
            observed_at=self.rng.choice(MOMENTS),
            email_confirmed_at=self.rng.choice([None, timezone.now()]),
            followup_answer=self.rng.choice(["", *FollowupAnswer.values]),
        )

    def moderate(self):
        status = self.rng.choice([Status.PUBLISHED, Status.REJECTED, Status.SPAM])
        services.complaints_moderate(
            complaints=Complaint.objects.filter(pk__in=self.some()),
            status=status,
            moderator=self.moderator,
            reason=self.reason if status == Status.REJECTED else None,
        )

    def desk(self):
        complaint = self.one()
        if complaint is None:
            return
        decision = self.rng.choice(["publish", "reject", "spam"])
        with contextlib.suppress(Stale):
            desk_decide(
                moderator=self.moderator,
                complaint_id=complaint.pk,
                decision=decision,
                reason_id=self.reason.pk,
                status_shown=complaint.status,
            )

    def edit(self):
        complaint = self.one()
        if complaint is None:
            return
        field = self.rng.choice(
            ["place", "technology", "observed_at", "carrier", "answer", "confirmed", "status"]
        )
        if field == "place":
            city, district = self.rng.choice(PLACES)
            complaint.city_place = Place.objects.filter(name=city, kind=Place.Kind.CITY).first()
            complaint.district_place = Place.objects.filter(
                name=district, kind=Place.Kind.DISTRICT
            ).first()
        elif field == "technology":
            complaint.technology = self.rng.choice(Technology.values)
        elif field == "observed_at":
            complaint.observed_at = self.rng.choice(MOMENTS)
        elif field == "carrier":
            complaint.carrier = self.rng.choice(list(CARRIERS))
        elif field == "answer":
            complaint.followup_answer = self.rng.choice(["", *FollowupAnswer.values])
        elif field == "confirmed":
            complaint.email_confirmed_at = None if complaint.email_confirmed_at else timezone.now()
        else:
            complaint.status = self.rng.choice(Status.values)
            complaint.rejection_reason = (
                self.reason if complaint.status == Status.REJECTED else None
            )
        services.complaint_save_by_moderator(
            complaint=complaint, changed_fields=[field], moderator=self.moderator
        )

    def problems_set(self):
        complaint = self.one()
        if complaint is not None:
            chosen = self.rng.sample(self.problems, self.rng.randint(0, 3))
            complaint.problems.set(ProblemType.objects.filter(slug__in=chosen))

    def merge(self):
        districts = list(
            Place.objects.filter(
                kind=Place.Kind.DISTRICT, parent__name="Hamburg", merged_into=None
            ).filter(pk__in=Complaint.objects.values("district_place"))
        )
        if len(districts) < 2:
            return 0
        source, target = self.rng.sample(districts, 2)
        return places_merge(source=source, target=target, moderator=self.moderator)

    def delete_self(self):
        complaint = self.one()
        if complaint is not None:
            services.complaint_delete(complaint=complaint)

    def delete_admin(self):
        # What the admin's "delete selected" runs.
        admin = ComplaintAdmin(Complaint, site)
        admin.delete_queryset(None, Complaint.objects.filter(pk__in=self.some(2)))

    def import_legacy(self):
        self.imports += 1
        rows = [
            f"{self.rng.randint(1, 28):02d}.11.2011;{city};{district};Keine Datenverbindung"
            for city, district in self.rng.sample(PLACES[:4], 2)
        ]
        content = "\r\n".join(["Datum;Stadt;Stadtteil;Problem", *rows]).encode()
        result = LegacyComplaintResource().import_data(LegacyCSV().create_dataset(content))
        assert not result.has_errors() and not result.has_validation_errors(), [
            (e.error, e.traceback) for e in result.base_errors
        ] + [r.errors for r in result.rows if r.errors]

    def release(self):
        with contextlib.suppress(ValidationError):  # nothing new to release
            release()

    def purge(self):
        personal_data_purge(now=timezone.now() + datetime.timedelta(days=1), personal_days=0)

    def raw(self):
        # Writes no code path of the site makes: the triggers count them all the same.
        ids = self.some(2)
        if not ids:
            return
        marks = ", ".join(["%s"] * len(ids))
        statement = self.rng.choice(
            [
                "UPDATE complaints_complaint SET status = 'published',"
                " moderated_at = submitted_at, rejection_reason_id = NULL"
                f" WHERE id IN ({marks})",
                f"UPDATE complaints_complaint SET technology = '5g' WHERE id IN ({marks})",
                f"UPDATE complaints_complaint SET city_place_id = NULL WHERE id IN ({marks})",
                f"DELETE FROM complaints_complaint_problems WHERE complaint_id IN ({marks})",
                f"DELETE FROM reports_releasedcomplaint WHERE complaint_id IN ({marks})",
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, ids)


STEPS = [
    ("new", 6),
    ("moderate", 4),
    ("desk", 2),
    ("edit", 8),
    ("problems_set", 2),
    ("delete_self", 1),
    ("delete_admin", 1),
    ("import_legacy", 1),
    ("release", 2),
    ("purge", 1),
    ("raw", 2),
]


@pytest.mark.parametrize("seed", [23, 2311])
def test_a_random_mix_of_writes_leaves_the_rollups_equal_to_the_recount(settings, seed):
    settings.EINZELFALL_CARRIERS = CARRIERS
    rng = random.Random(seed)
    mix = Mix(rng)
    for _ in range(12):
        mix.new()
    names = [name for name, weight in STEPS for _ in range(weight)]
    # Every kind of write once, in an order of the seed's, then a random mix of them.
    order = [name for name, _ in STEPS]
    rng.shuffle(order)
    done = []
    for name in order + [rng.choice(names) for _ in range(50)]:
        getattr(mix, name)()
        done.append(name)
        # check_rollups' comparison after every step, each count's every few.
        assert rollups.differences() == [], done
        if len(done) % 5 == 0:
            assert_rollups_match()
    # A merge of places last: an import after it would wait for the place index to be
    # rebuilt after the commit (seconds with the real gazetteer).
    services.complaints_moderate(
        complaints=Complaint.objects.all(), status=Status.PUBLISHED, moderator=mix.moderator
    )
    for district in ("Altona", "Eimsbüttel"):
        ComplaintFactory(city="Hamburg", district=district, status=Status.PUBLISHED)
    assert mix.merge() > 0
    assert rollups.differences() == []
    release()

    out = io.StringIO()
    call_command("check_rollups", stdout=out)
    assert "match the recount" in out.getvalue()
    assert_rollups_match()
    rolled = frozen(build_evaluation())
    with queries.recounted():
        recounted = frozen(build_evaluation())
    assert rolled == recounted
    assert rolled.total == Complaint.objects.filter(status=Status.PUBLISHED).count()
    rolled = frozen(released_evaluation())
    with queries.recounted():
        recounted = frozen(released_evaluation())
    assert rolled == recounted
    assert set(rolled.by_carrier) == set(CARRIERS)
