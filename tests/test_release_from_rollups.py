"""The release check read from the rollups (issue 23 follow-up): batch() counts the new and the
released reports per city (and carrier) from the rollup tables, not from every report, and
says exactly what the recount from the reports says; a release that meets a moderation
decision committed meanwhile (a serialization failure) is tried again."""

import io
import random
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from complaints.models import Complaint, Status
from reports import releases
from reports.models import Release, ReleasedComplaint

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db

CITIES = [("Berlin", "Mitte"), ("Hamburg", "Altona"), ("Köln", "Nippes"), ("Nirgendwo", "")]


def normal(found: releases.Batch) -> tuple:
    """A batch without the order of its groups (which the release does not depend on)."""
    return (found.new, found.needed, found.ready, found.most, sorted(map(repr, found.groups)))


def a_report(rng, settings, status):
    city, district = rng.choice(CITIES)
    fields = {"city_place_id": None} if city == "Nirgendwo" else {}
    return ComplaintFactory(
        city=city,
        district=district,
        status=status,
        carrier=rng.choice(list(settings.EINZELFALL_CARRIERS)),
        **fields,
    )


@pytest.mark.parametrize("carriers", [{"o2": "O2"}, {"o2": "O2", "telekom": "T", "vf": "V"}])
def test_the_batch_from_the_rollups_is_the_recounted_one_after_a_random_mix(settings, carriers):
    settings.EINZELFALL_CARRIERS = carriers
    rng = random.Random(23)
    checked = released = 0
    for step in range(120):
        action = rng.random()
        if action < 0.55:
            a_report(rng, settings, Status.PUBLISHED)
        elif action < 0.7:
            # A pending one published by moderation (an update, not an insert).
            report = a_report(rng, settings, Status.PENDING)
            report.status, report.moderated_at = Status.PUBLISHED, timezone.now()
            report.save()
        elif action < 0.85:
            # A rejection of a published report, released or not.
            report = Complaint.objects.filter(status=Status.PUBLISHED).order_by("?").first()
            if report is not None:
                report.status = Status.REJECTED
                report.save()
        else:
            needed = rng.choice([2, 3, 5])
            if releases.batch(needed).big_enough:
                releases.release_evaluation(minimum=needed)
                released += 1
        if step % 5 == 0:
            for needed in (1, 2, 3, 5, 8):
                assert normal(releases.batch(needed)) == normal(releases.recounted_batch(needed)), (
                    step,
                    needed,
                )
                checked += 1
    assert released >= 3 and checked == 120
    assert ReleasedComplaint.objects.exists()


def test_the_released_reports_are_exactly_those_of_the_groups_the_batch_chose(settings):
    settings.EINZELFALL_CARRIERS = {"o2": "O2"}
    for city, district in CITIES[:2]:
        ComplaintFactory.create_batch(3, city=city, district=district, status=Status.PUBLISHED)
    ComplaintFactory(city="Köln", district="Nippes", status=Status.PUBLISHED)
    found = releases.batch(3)
    assert found.ready == 6 and found.new == 7
    release = releases.release_evaluation(minimum=3)
    ids = ReleasedComplaint.objects.values("complaint_id")
    listed = set(Complaint.objects.filter(pk__in=ids).values_list("city", flat=True))
    assert release.new_count == 6 and listed == {"Berlin", "Hamburg"}
    assert releases.batch(3).new == 1 == releases.recounted_batch(3).new


@pytest.mark.skipif(connection.vendor != "postgresql", reason="REPEATABLE READ: PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("retries", [releases.RETRIES, 0])
def test_a_decision_committed_during_a_release_makes_it_try_again(
    migrated_data, settings, monkeypatch, retries
):
    """A report of the same city published (and committed) by another connection after the
    release's snapshot, before its insert of the released reports: both update the same
    rollup rows, REPEATABLE READ refuses the release's; tried again it succeeds (without
    retries it would say BUSY)."""
    settings.EINZELFALL_CARRIERS = {"o2": "O2"}
    monkeypatch.setattr(releases, "RETRIES", retries)
    ComplaintFactory.create_batch(3, city="Berlin", district="Mitte", status=Status.PUBLISHED)
    pending = ComplaintFactory(city="Berlin", district="Mitte", status=Status.PENDING)
    mark, decided = releases._mark_released, []

    def decide():
        try:
            with transaction.atomic():
                report = Complaint.objects.get(pk=pending.pk)
                report.status, report.moderated_at = Status.PUBLISHED, timezone.now()
                report.save()
            decided.append(True)
        finally:
            connection.close()

    def marking(release, groups):
        if not decided:  # the first attempt only: its snapshot is taken, the decision commits
            thread = threading.Thread(target=decide)
            thread.start()
            thread.join(30)
            assert decided
        return mark(release, groups)

    monkeypatch.setattr(releases, "_mark_released", marking)
    if retries == 0:
        with pytest.raises(releases.ValidationError) as refused:
            releases.release_evaluation(minimum=3)
        assert refused.value.code == "busy" and not Release.objects.exists()
        return
    release = releases.release_evaluation(minimum=3)
    # The second attempt's snapshot has the decided report too.
    assert release.new_count == 4 and ReleasedComplaint.objects.count() == 4
    assert releases.batch(3).new == 0 == releases.recounted_batch(3).new


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_rejection_during_a_release_leaves_the_rollups_right(
    migrated_data, settings, monkeypatch
):
    """A moderator rejects a report while the release that lists it has not committed yet:
    the rejection waits for the release (its reports are locked) and then takes the report out
    of the released counts. Without the lock its first rollup saw the report unreleased and
    subtracted it there for good: the tables no longer added up."""
    from django.core.management import call_command

    settings.EINZELFALL_CARRIERS = {"o2": "O2"}
    reports = ComplaintFactory.create_batch(
        4, city="Berlin", district="Mitte", status=Status.PUBLISHED
    )
    mark, rejected, started = releases._mark_released, [], threading.Event()

    def reject():
        try:
            started.set()
            with transaction.atomic():
                report = Complaint.objects.get(pk=reports[0].pk)
                report.status, report.moderated_at = Status.REJECTED, timezone.now()
                report.save()
            rejected.append(True)
        finally:
            connection.close()

    thread = threading.Thread(target=reject)

    def marking(release, groups):
        n = mark(release, groups)
        thread.start()  # the rejection starts while the release's transaction is open
        started.wait(5)
        threading.Event().wait(0.5)
        return n

    monkeypatch.setattr(releases, "_mark_released", marking)
    releases.release_evaluation(minimum=3)
    thread.join(30)
    assert rejected
    assert Complaint.objects.get(pk=reports[0].pk).status == Status.REJECTED
    out = io.StringIO()
    call_command("check_rollups", stdout=out)  # exits 1 (SystemExit) on a difference
    assert "match" in out.getvalue()
