"""Moderation in the Django admin: the queue, filters, search, bulk actions and their audit."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import Complaint, ModerationDecision, RejectionReason, Status

from .factories import ComplaintFactory, UserFactory
from .helpers import bulk_confirmed

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/complaints/complaint/"


def listed_ids(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def test_changelist_opens_on_the_pending_queue(organizer_client):
    pending = ComplaintFactory(status=Status.PENDING)
    ComplaintFactory(status=Status.PUBLISHED)
    ComplaintFactory(status=Status.SPAM)
    response = organizer_client.get(CHANGELIST)
    assert response.status_code == 200
    assert listed_ids(response) == {pending.pk}


def test_status_filter_offers_all_and_each_status(organizer_client):
    complaints = {status: ComplaintFactory(status=status) for status in Status.values}
    assert len(listed_ids(organizer_client.get(CHANGELIST, {"status": "all"}))) == 4
    for status, complaint in complaints.items():
        assert listed_ids(organizer_client.get(CHANGELIST, {"status": status})) == {complaint.pk}


@pytest.mark.parametrize(
    ("params", "matching"),
    [
        ({"problems__id__exact": "SMS"}, {"sms": True}),
        ({"carrier": "telekom"}, {"carrier": "telekom"}),
        ({"technology__exact": "5g"}, {"technology": "5g"}),
        ({"city": "Köln"}, {"city": "Koeln", "district": "Ehrenfeld"}),
    ],
)
def test_filters_narrow_the_queue(organizer_client, params, matching):
    from complaints.models import Place, ProblemType

    if "problems__id__exact" in params:
        params = {"problems__id__exact": ProblemType.objects.get(slug="sms").pk}
        target = ComplaintFactory(problems=["sms"])
    elif "city" in params:
        # The city filter is by matched place: "Koeln" as typed is Köln.
        params = {"city": Place.objects.get(slug="koeln").pk}
        target = ComplaintFactory(**matching)
    else:
        target = ComplaintFactory(**matching)
    ComplaintFactory(city="Berlin", carrier="o2", technology="4g", problems=["no-data"])
    assert listed_ids(organizer_client.get(CHANGELIST, params)) == {target.pk}


def test_city_filter_lists_the_most_reported_cities_with_counts(organizer_client):
    ComplaintFactory.create_batch(3, city="Hamburg")
    ComplaintFactory(city="Passau")
    html = organizer_client.get(CHANGELIST).content.decode()
    assert "Hamburg (3)" in html and "Passau (1)" in html


def test_date_filter_and_hierarchy(organizer_client):
    import datetime

    from django.utils import timezone

    old = ComplaintFactory(submitted_at=timezone.now() - datetime.timedelta(days=40))
    new = ComplaintFactory()
    # Follow the filter's own "past 7 days" link, as a moderator would.
    spec = next(
        f
        for f in organizer_client.get(CHANGELIST).context["cl"].filter_specs
        if getattr(f, "field_path", "") == "submitted_at"
    )
    last_week = next(
        c
        for c in spec.choices(organizer_client.get(CHANGELIST).context["cl"])
        if c["display"] == "Letzte 7 Tage"
    )
    response = organizer_client.get(CHANGELIST + last_week["query_string"])
    assert listed_ids(response) == {new.pk}
    year = old.submitted_at.astimezone(timezone.get_current_timezone()).year
    response = organizer_client.get(CHANGELIST, {"submitted_at__year": year, "status": "all"})
    assert old.pk in listed_ids(response)


@pytest.mark.parametrize(
    ("field", "value", "query"),
    [
        ("city", "Wuppertal", "wupper"),
        ("district", "Barmen", "barmen"),
        ("description", "Funkloch am Bahnhof", "funkloch"),
        ("email", "ophelia@example.org", "ophelia"),
    ],
)
def test_search_covers_city_district_description_and_email(organizer_client, field, value, query):
    target = ComplaintFactory(**{field: value})
    ComplaintFactory()
    assert listed_ids(organizer_client.get(CHANGELIST, {"q": query})) == {target.pk}


def confirmed_action(client, action, complaints):
    """A bulk action as a person takes it: the action asks once more (tests/test_queue.py:
    what that page shows), then "Yes" (a rejection with its reason)."""
    selection = {"action": action, "_selected_action": [c.pk for c in complaints]}
    confirmation = bulk_confirmed(client, selection)
    if action == "reject":
        confirmation["reason"] = RejectionReason.objects.first().pk
    return client.post(CHANGELIST, confirmation, follow=True)


@pytest.mark.parametrize(
    ("action", "status"),
    [("publish", Status.PUBLISHED), ("reject", Status.REJECTED), ("mark_spam", Status.SPAM)],
)
def test_bulk_action_sets_status_and_records_who_and_when(
    organizer_client, organizer, action, status
):
    chosen = ComplaintFactory.create_batch(3)
    untouched = ComplaintFactory()
    response = confirmed_action(organizer_client, action, chosen)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0].startswith("3 Meldungen")
    for complaint in chosen:
        complaint.refresh_from_db()
        assert complaint.status == status
        assert complaint.moderated_by == organizer
        assert complaint.moderated_at is not None
    untouched.refresh_from_db()
    assert untouched.status == Status.PENDING and untouched.moderated_by is None
    # Each decision is in the complaint's history.
    entries = LogEntry.objects.filter(user=organizer, object_id__in=[str(c.pk) for c in chosen])
    assert entries.count() == 3


def test_bulk_action_leaves_complaints_already_in_that_status_alone(organizer_client, organizer):
    moderator = UserFactory(username="gertrude", is_staff=True, is_superuser=True)
    earlier = ComplaintFactory(status=Status.PUBLISHED, moderated_by=moderator)
    fresh = ComplaintFactory()
    # The action runs on the queue the moderator is looking at: here, all statuses.
    selection = {"action": "publish", "_selected_action": [earlier.pk, fresh.pk]}
    response = organizer_client.post(
        CHANGELIST + "?status=all",
        bulk_confirmed(organizer_client, selection, CHANGELIST + "?status=all"),
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["1 Meldung veröffentlicht."]
    earlier.refresh_from_db()
    assert earlier.moderated_by == moderator
    assert Complaint.objects.get(pk=fresh.pk).moderated_by == organizer


def test_status_change_on_the_detail_page_is_recorded(organizer_client, organizer):
    complaint = ComplaintFactory(problems=["no-data"])
    url = f"{CHANGELIST}{complaint.pk}/change/"
    form = organizer_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        status="rejected",
        rejection_reason=RejectionReason.objects.get(name_en="Reported twice").pk,
        moderation_note="Doppelt gemeldet",
        problems=[p.pk for p in complaint.problems.all()],
    )
    response = organizer_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    complaint.refresh_from_db()
    assert complaint.status == Status.REJECTED
    assert complaint.moderation_note == "Doppelt gemeldet"
    assert complaint.moderated_by == organizer and complaint.moderated_at is not None
    assert complaint.rejection_reason.name_en == "Reported twice"


def test_a_page_opened_before_a_desk_decision_does_not_undo_it(organizer_client, organizer):
    """Someone publishes the report at the desk while its page is open elsewhere: saving that
    page (a district corrected) must not put the old status back (review finding)."""
    complaint = ComplaintFactory(problems=["no-data"])
    url = f"{CHANGELIST}{complaint.pk}/change/"
    form = organizer_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(district="Ottensen", problems=[p.pk for p in complaint.problems.all()])
    desk_moderator = UserFactory(username="dora", is_staff=True, is_superuser=True)
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=complaint.pk),
        status=Status.PUBLISHED,
        moderator=desk_moderator,
        via=ModerationDecision.Via.DESK,
    )
    response = organizer_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Someone else has decided on this report" in response.content.decode()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.moderated_by) == (Status.PUBLISHED, desk_moderator)
    assert complaint.district != "Ottensen"
    assert ModerationDecision.objects.filter(complaint=complaint).count() == 1


@pytest.mark.parametrize("rows", [3, 43])
def test_changelist_query_count_does_not_grow_with_the_page(
    organizer_client, django_assert_num_queries, rows
):
    ComplaintFactory.create_batch(rows, problems=["no-data", "sms"])
    # session, user, problem types (filter), most reported cities (filter), rejection reasons
    # (filter), count of the pending queue, the page of complaints, their problems (one
    # prefetch), the date hierarchy's range and its days.
    with django_assert_num_queries(10):
        response = organizer_client.get(CHANGELIST)
    assert len(listed_ids(response)) == rows


def test_city_filter_list_is_cached_between_page_views(organizer_client, django_assert_num_queries):
    ComplaintFactory.create_batch(2)
    organizer_client.get(CHANGELIST)
    with django_assert_num_queries(9):
        organizer_client.get(CHANGELIST)


def test_changelist_does_not_count_the_whole_table(organizer_client):
    ComplaintFactory.create_batch(2)
    with CaptureQueriesContext(connection) as ctx:
        organizer_client.get(CHANGELIST)
    unfiltered_counts = [
        q["sql"]
        for q in ctx.captured_queries
        if re.match(r"SELECT COUNT\(\*\)", q["sql"])
        and "WHERE" not in q["sql"]
        and "complaint" in q["sql"]
    ]
    assert unfiltered_counts == []


def test_moderation_needs_change_permission(client):
    viewer = UserFactory(username="horatio", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_complaint"))
    complaint = ComplaintFactory()
    client.force_login(viewer)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert 'value="publish"' not in response.content.decode()
    client.post(CHANGELIST, {"action": "publish", "_selected_action": [complaint.pk]})
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING


def test_complaints_cannot_be_added_in_the_admin(organizer_client):
    # They come from the public form, with consent; an admin-made one would have none.
    assert organizer_client.get(f"{CHANGELIST}add/").status_code == 403
    assert (
        'href="/admin/complaints/complaint/add/"'
        not in organizer_client.get(CHANGELIST).content.decode()
    )


def test_problem_types_are_listed_in_the_admin(organizer_client):
    html = organizer_client.get("/admin/complaints/problemtype/").content.decode()
    for slug in [
        "no-data",
        "slow-data",
        "dropped-calls",
        "no-signal",
        "calls-fail",
        "sms",
        "other",
    ]:
        assert slug in html


# -- complaint_save_by_moderator: the change page's save, without HTTP ------------------------


def test_saving_cleans_the_text_and_marks_an_edited_redacted_description(organizer):
    complaint = ComplaintFactory(description="Kein Netz", description_redacted="Kein Netz")
    stored = complaint.description_redacted
    complaint.city = "Ham\u200bburg"
    complaint.description_redacted = "Kein Netz,\r\nnirgends"
    services.complaint_save_by_moderator(
        complaint=complaint,
        changed_fields=["city", "description_redacted"],
        moderator=organizer,
        stored_redacted=stored,
        shown_fingerprint=services.redacted_fingerprint(stored),
    )
    complaint.refresh_from_db()
    assert complaint.city == "Hamburg"
    assert complaint.description_redacted == "Kein Netz,\nnirgends"
    assert complaint.description_redacted_by_hand
    assert complaint.moderated_by is None  # the status did not change


def test_saving_a_redacted_text_as_shown_keeps_the_one_stored_meanwhile(organizer):
    complaint = ComplaintFactory(description_redacted="stored since")
    complaint.description_redacted = "as shown"
    services.complaint_save_by_moderator(
        complaint=complaint,
        changed_fields=["description_redacted"],
        moderator=organizer,
        stored_redacted="stored since",
        shown_fingerprint=services.redacted_fingerprint("as shown"),
    )
    complaint.refresh_from_db()
    assert complaint.description_redacted == "stored since"
    assert not complaint.description_redacted_by_hand


def test_saving_a_new_status_records_the_moderator(organizer, django_capture_on_commit_callbacks):
    complaint = ComplaintFactory(status=Status.PENDING)
    complaint.status = Status.PUBLISHED
    with django_capture_on_commit_callbacks() as callbacks:
        services.complaint_save_by_moderator(
            complaint=complaint, changed_fields=["status"], moderator=organizer
        )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.moderated_by) == (Status.PUBLISHED, organizer)
    assert complaint.moderated_at is not None
    assert len(callbacks) == 1  # the counter and the places' statuses follow
