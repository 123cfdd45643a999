"""The back office against a curious or hostile staff user (issue 16, findings 1b, 4 and 5).

Least privilege on places for moderators; query-string lookups as an allow-list per role
(anything else a 400 on the site's own page); the admin's "view on site" shortcut only to
public objects; hostile ids and values answered with a 400 or a form error, never a 500."""

import datetime
import sys
from collections import Counter

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, Place, Status

from .factories import CampaignUpdateFactory, ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/complaints/complaint/"
ROLES = ["Organizer", "Moderator", "Carrier"]


def staff(group: str | None, username: str, **extra):
    user = UserFactory(username=username, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def client_for(role: str) -> Client:
    """A client that answers like the server would (a 500 is a response, not an exception)."""
    client = Client(raise_request_exception=False)
    if role == "Superuser":
        client.force_login(staff(None, "root", is_superuser=True))
    else:
        client.force_login(staff(role, role.lower()))
    return client


@pytest.fixture
def moderator_client():
    return client_for("Moderator")


@pytest.fixture
def organizer_group_client():
    return client_for("Organizer")


def send(client, method: str, url: str, data=None):
    """A request in a savepoint: on PostgreSQL a database error (a 500) aborts the test's
    transaction, and every later request would fail with it."""
    response = None
    try:
        with transaction.atomic():
            response = getattr(client, method)(url, data or {})
    except DatabaseError:
        pass  # rolled back to the savepoint; the response is the 500 already
    return response


def registry() -> dict:
    """The registered models and their admins (the URLconf registers them: einzelfall/urls.py)."""
    reverse("admin:index")
    return admin.site._registry


def a_place(**fields) -> Place:
    return Place.objects.create(**{"kind": Place.Kind.CITY, **fields})


def place_form_data(client, place: Place, **changes) -> dict:
    """What the place's change form posts back, unchanged, with its alias inline."""
    url = reverse("admin:complaints_place_change", args=[place.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    formset = response.context["inline_admin_formsets"][0].formset
    management = formset.management_form
    for name in management.fields:
        data[f"{formset.prefix}-{name}"] = management[name].value()
    for index, alias_form in enumerate(formset.forms):
        for name in alias_form.fields:
            value = alias_form[name].value()
            if value is not None:
                data[f"{formset.prefix}-{index}-{name}"] = value
    data.update(changes)
    return data


# -- 1b: moderators merge places and edit their other names, nothing else ---------------------


def test_a_moderator_cannot_change_a_places_own_fields(moderator_client):
    place = a_place(name="Neustadt an der Probe", slug="neustadt-an-der-probe", population=1000)
    url = reverse("admin:complaints_place_change", args=[place.pk])
    data = place_form_data(
        moderator_client,
        place,
        name='\x01=HYPERLINK("https://evil.example","x")',
        slug="evil",
        state="Evil",
        population="1",
        latitude="1.5",
        longitude="2.5",
    )
    response = moderator_client.post(url, data)
    assert response.status_code in (302, 403)
    place.refresh_from_db()
    assert (place.name, place.slug, place.state, place.population) == (
        "Neustadt an der Probe",
        "neustadt-an-der-probe",
        "",
        1000,
    )
    assert place.latitude is None and place.longitude is None
    # The form offers no box for them either.
    html = moderator_client.get(url).content.decode()
    for field in ("name", "slug", "state", "population", "latitude", "longitude", "parent"):
        assert f'name="{field}"' not in html


def test_a_moderator_still_edits_a_places_other_names(moderator_client):
    place = a_place(name="Neustadt an der Probe", slug="neustadt-an-der-probe")
    url = reverse("admin:complaints_place_change", args=[place.pk])
    data = place_form_data(moderator_client, place)
    prefix = "aliases"
    data[f"{prefix}-0-name"] = "Probe-Neustadt"
    data[f"{prefix}-0-source"] = data.get(f"{prefix}-0-source") or "manual"
    response = moderator_client.post(url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert list(place.aliases.values_list("name", flat=True)) == ["Probe-Neustadt"]


def test_a_moderator_still_merges_places(moderator_client):
    keep = a_place(name="Probestadt", slug="probestadt", population=500)
    drop = a_place(name="Probestat", slug="probestat")
    complaint = ComplaintFactory(city="Probestat")
    complaint.city_place = drop
    complaint.save()
    response = moderator_client.post(
        reverse("admin:complaints_place_changelist"),
        {
            "action": "merge_places",
            "_selected_action": [keep.pk, drop.pk],
            "target": keep.pk,
            "post": "yes",
        },
    )
    assert response.status_code == 302
    drop.refresh_from_db()
    complaint.refresh_from_db()
    assert drop.merged_into_id == keep.pk and complaint.city_place_id == keep.pk


def test_an_organizer_still_edits_every_field_of_a_place(organizer_group_client):
    place = a_place(name="Neustadt an der Probe", slug="neustadt-an-der-probe")
    url = reverse("admin:complaints_place_change", args=[place.pk])
    data = place_form_data(organizer_group_client, place, name="Neustadt/Probe", population="42")
    response = organizer_group_client.post(url, data)
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.name, place.population) == ("Neustadt/Probe", 42)


def test_names_saved_in_the_back_office_lose_their_control_characters(organizer_group_client):
    place = a_place(name="Neustadt an der Probe", slug="neustadt-an-der-probe")
    url = reverse("admin:complaints_place_change", args=[place.pk])
    data = place_form_data(
        organizer_group_client, place, name="\x01=Neustadt\u200b", state="\x1bSachsen"
    )
    data["aliases-0-name"] = "\x01Probe-Neustadt"
    data["aliases-0-source"] = data.get("aliases-0-source") or "manual"
    response = organizer_group_client.post(url, data)
    assert response.status_code == 302
    place.refresh_from_db()
    assert (place.name, place.state) == ("=Neustadt", "Sachsen")
    assert list(place.aliases.values_list("name", flat=True)) == ["Probe-Neustadt"]


# -- 4: lookups are an allow-list per role ------------------------------------------------------


def offered_parameters(response) -> set[str]:
    """The query-string parameters the changelist's own filters and date links use."""
    changelist = response.context["cl"]
    offered = {p for spec in changelist.filter_specs for p in spec.expected_parameters()}
    if changelist.date_hierarchy:
        offered |= {f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    return offered


@pytest.mark.parametrize(
    "query",
    [
        "ip_hash__startswith=a",
        "ip_hash__exact=abc",
        "email_confirmed_at__isnull=False",
        "followup_consent__exact=1",
        "email__startswith=a",
        "reference__startswith=a",
        "description__regex=^a",
        "moderated_by__password__startswith=md5",
        "moderated_by__email__contains=@",
        "duplicate_of__ip_hash__startswith=a",
        "status__regex=(",
        "_to_field=email&_popup=1",
        "_changelist_filters=ip_hash__startswith%3Da",
    ],
)
def test_a_moderator_cannot_filter_by_what_the_queue_does_not_offer(moderator_client, query):
    ComplaintFactory(email="hamlet@example.org")
    response = moderator_client.get(f"{CHANGELIST}?status=all&{query}")
    assert response.status_code == 400
    assert b"hamlet" not in response.content and b"Traceback" not in response.content
    # The site's own page, in the site's look.
    assert "400.html" in [t.name for t in response.templates]


def test_the_filters_the_pages_offer_still_work_for_each_role():
    ComplaintFactory(status=Status.PUBLISHED, technology="5g")
    CampaignUpdateFactory()
    for role in ["Superuser", "Organizer", "Moderator"]:
        client = client_for(role)
        for model, model_admin in registry().items():
            if not model_admin.has_view_permission(client.get("/").wsgi_request):
                continue
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            if "cl" not in (response.context or {}):
                continue  # the queue of unmatched names: a page of its own, no lookups
            links = set()
            for spec in response.context["cl"].filter_specs:
                links |= {c["query_string"] for c in spec.choices(response.context["cl"])}
            if response.context["cl"].date_hierarchy:
                field = response.context["cl"].date_hierarchy
                links.add(f"?{field}__year=2026&{field}__month=12&{field}__day=5")
            for link in links:
                followed = client.get(url + link)
                assert followed.status_code == 200, (role, url + link)


def test_a_filter_on_personal_data_is_offered_only_to_those_who_may_see_it(rf):
    from complaints.admin import ComplaintAdmin

    # An organizer's filter "asked for a follow-up" would list whose reports left an address.
    with_filter = type(
        "ComplaintAdmin", (ComplaintAdmin,), {"list_filter": ["technology", "followup_consent"]}
    )
    model_admin = with_filter(Complaint, admin.site)
    request = rf.get(CHANGELIST)
    request.user = staff("Moderator", "moritz")
    assert model_admin.get_list_filter(request) == ["technology"]
    assert not model_admin.lookup_allowed("followup_consent__exact", "1", request)
    assert model_admin.lookup_allowed("technology__exact", "5g", request)
    request.user = staff("Organizer", "olga")
    assert model_admin.lookup_allowed("followup_consent__exact", "1", request)


@pytest.mark.parametrize("role", ["Moderator", "Organizer"])
def test_no_popup_returns_a_hidden_field_of_a_report(role):
    complaint = ComplaintFactory(email="hamlet@example.org")
    client = client_for(role)
    for field in ("reference", "email", "ip_hash"):
        url = f"{CHANGELIST}{complaint.pk}/change/?_to_field={field}&_popup=1"
        response = client.get(url)
        assert response.status_code == 400, url
        assert complaint.reference.encode() not in response.content


def test_a_moderator_cannot_order_the_queue_by_hidden_fields(moderator_client):
    ComplaintFactory.create_batch(2)
    for order in ["99", "-99", "abc", "1.email", "0.-1.2", "email", "ip_hash"]:
        response = moderator_client.get(CHANGELIST, {"status": "all", "o": order})
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert "email" not in str(response.context["cl"].get_ordering_field_columns())


def test_a_moderator_cannot_search_hidden_fields(moderator_client):
    target = ComplaintFactory(email="ophelia@example.org")
    ComplaintFactory()
    response = moderator_client.get(CHANGELIST, {"status": "all", "q": "ophelia"})
    assert response.status_code == 200
    assert target.pk not in {c.pk for c in response.context["cl"].result_list}


def test_an_organizer_may_still_search_personal_data():
    client = client_for("Organizer")
    target = ComplaintFactory(email="ophelia@example.org")
    ComplaintFactory()
    response = client.get(CHANGELIST, {"status": "all", "q": "ophelia"})
    assert {c.pk for c in response.context["cl"].result_list} == {target.pk}


def shortcut(obj) -> str:
    return f"/admin/r/{ContentType.objects.get_for_model(obj).pk}/{obj.pk}/"


@pytest.mark.parametrize("role", [*ROLES, "Superuser"])
def test_the_view_on_site_shortcut_never_leads_to_a_draft(role):
    draft = CampaignUpdateFactory(title="Geheimer Entwurf", is_published=False)
    later = CampaignUpdateFactory(
        title="Geplant", published_at=timezone.now() + datetime.timedelta(days=3)
    )
    client = client_for(role)
    for update in (draft, later):
        response = client.get(shortcut(update))
        assert response.status_code == 404, (role, update.title)
        assert update.slug not in response.get("Location", "")


def test_the_view_on_site_shortcut_leads_a_viewer_to_a_published_update():
    update = CampaignUpdateFactory(title="Die Antwort des Netzbetreibers")
    response = client_for("Organizer").get(shortcut(update))
    assert response.status_code == 302
    assert response["Location"].endswith(update.get_absolute_url())
    # Only for someone who may see the update in the back office.
    assert client_for("Carrier").get(shortcut(update)).status_code == 404


def test_the_view_on_site_shortcut_leads_an_organizer_to_the_privacy_page():
    from django.contrib.flatpages.models import FlatPage

    page = FlatPage.objects.get(url="/privacy/")
    response = client_for("Organizer").get(shortcut(page))
    assert response.status_code == 302 and response["Location"].endswith("/privacy/")
    assert client_for("Moderator").get(shortcut(page)).status_code == 404


def test_the_shortcut_answers_404_for_nonsense():
    client = client_for("Organizer")
    for path in ["/admin/r/99999/1/", "/admin/r/1/abc/", "/admin/r/99999999999999999999/1/"]:
        assert client.get(path).status_code == 404, path


# -- the attack: every changelist, every role, every field x common lookups ---------------------

LOOKUP_VALUES = {
    "exact": "1",
    "startswith": "a",
    "contains": "a",
    "regex": "^(a",  # an invalid regular expression, too
    "isnull": "False",
    "gt": "0",
    "in": "1,2",
}


def hostile_lookups(model):
    """Every field x the common lookups, and one relation further for relations."""
    for field in model._meta.get_fields():
        if field.auto_created and not field.concrete:
            continue  # reverse relations
        for lookup, value in LOOKUP_VALUES.items():
            yield f"{field.name}__{lookup}", value
        if field.is_relation and field.related_model is not None:
            for related in field.related_model._meta.concrete_fields:
                for lookup in ("startswith", "regex"):
                    yield f"{field.name}__{related.name}__{lookup}", LOOKUP_VALUES[lookup]


def test_hostile_lookups_on_every_changelist_for_every_role():
    ComplaintFactory(status=Status.PUBLISHED, email="hamlet@example.org", ip_hash="abcdef")
    CampaignUpdateFactory(is_published=False)
    tally = Counter()
    leaks, errors = [], []
    # The queue of unmatched names is a page of its own that reads no lookups.
    models = [m for m in registry() if m._meta.model_name != "unmatchedplacename"]
    for role in [*ROLES, "Superuser"]:
        client = client_for(role)
        for model in models:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            first = send(client, "get", url)
            if first.status_code != 200 or "cl" not in (first.context or {}):
                offered = set()
            else:
                offered = offered_parameters(first)
            for key, value in hostile_lookups(model):
                response = send(client, "get", url, {key: value})
                tally[response.status_code] += 1
                if response.status_code >= 500:
                    errors.append((role, url, key))
                elif (
                    response.status_code == 200
                    and key not in offered
                    and "cl" in (response.context or {})
                ):
                    leaks.append((role, url, key))
    attempts = sum(tally.values())
    print(
        f"\nhostile lookups: {attempts} attempts; status codes {dict(sorted(tally.items()))}; "
        f"answered 200 though not offered: {len(leaks)}; 500s: {len(errors)}",
        file=sys.stderr,
    )
    assert not errors, f"{len(errors)} of {attempts} gave a 500: {errors[:10]}"
    assert not leaks, f"{len(leaks)} of {attempts} were answered: {leaks[:20]}"


# -- 5: hostile ids and values: a 400, a 404 or a form error, never a 500 -----------------------

HOSTILE_IDS = [
    "abc",
    "1e3",
    "-1",
    "99999999999999999999",
    "１",  # noqa: RUF001 (a full-width digit, on purpose)
    "²",
    "1 OR 1=1",
    "1\x00",
    "\x00",
    "1.5",
    "",
]


def test_hostile_ids_in_every_admin_url_never_give_a_500():
    complaint = ComplaintFactory(status=Status.PUBLISHED)
    place = Place.objects.get(slug="hamburg")
    ComplaintFactory(city="Nirgendwo am See")
    results = Counter()
    errors = []

    def check(client, method, url, data=None):
        response = send(client, method, url, data)
        results[response.status_code] += 1
        if response.status_code >= 500:
            errors.append((method, url, data))

    for role in ["Superuser", "Moderator", "Carrier"]:
        client = client_for(role)
        for bad in HOSTILE_IDS:
            for model in registry():
                base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
                for suffix in ("change/", "delete/", "history/"):
                    check(client, "get", f"{base}{bad}/{suffix}")
                check(client, "post", base, {"action": "delete_selected", "_selected_action": bad})
            check(client, "post", CHANGELIST, {"action": "publish", "_selected_action": [bad]})
            check(
                client,
                "post",
                CHANGELIST,
                {"action": "publish", "_selected_action": [complaint.pk, bad], "index": bad},
            )
            check(client, "get", CHANGELIST, {"status": "all", "city": bad})
            check(client, "get", CHANGELIST, {"status": "all", "q": bad, "p": bad, "o": bad})
            check(client, "get", CHANGELIST, {"problems__id__exact": bad})
            check(client, "get", CHANGELIST, {"submitted_at__year": bad})
            check(client, "get", CHANGELIST, {"submitted_at__gte": bad})
            for field in ("city_place", "district_place"):
                check(
                    client,
                    "get",
                    "/admin/autocomplete/",
                    {
                        "app_label": "complaints",
                        "model_name": "complaint",
                        "field_name": field,
                        "term": bad,
                        "page": bad,
                    },
                )
            check(
                client,
                "get",
                "/admin/autocomplete/",
                {"app_label": bad, "model_name": bad, "field_name": bad, "term": bad},
            )
            check(
                client,
                "post",
                "/admin/complaints/place/",
                {
                    "action": "merge_places",
                    "_selected_action": [place.pk, bad],
                    "target": bad,
                    "post": "yes",
                },
            )
            check(
                client,
                "post",
                "/admin/complaints/place/",
                {"action": "merge_places", "_selected_action": [place.pk], "target": bad},
            )
            check(client, "get", "/admin/complaints/unmatchedplacename/", {"p": bad})
            check(
                client,
                "post",
                "/admin/complaints/unmatchedplacename/",
                {"prefix": bad, f"{bad}-raw_key": bad, f"{bad}-place": bad},
            )
            check(
                client,
                "post",
                "/admin/complaints/unmatchedplacename/",
                {"prefix": "g0", "g0-raw_key": "nirgendwoamsee", "g0-place": bad},
            )
            check(
                client,
                "post",
                "/admin/complaints/complaint/downloads/",
                {"kind": "anonymized", "format": "csv-rfc4180", "city": bad, "since": bad},
            )
            check(
                client,
                "post",
                "/admin/complaints/problemtype/",
                {
                    "_save": "1",
                    "form-TOTAL_FORMS": "1",
                    "form-INITIAL_FORMS": "1",
                    "form-0-id": bad,
                    "form-0-position": bad,
                    "form-0-is_active": "on",
                },
            )
            check(client, "get", f"/admin/r/{bad}/{bad}/")
            check(client, "get", f"/admin/r/1/{bad}/")
    print(f"\nhostile ids: {sum(results.values())} requests; {dict(results)}", file=sys.stderr)
    assert not errors, f"{len(errors)} gave a 500: {errors[:10]}"


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_place_ids_in_the_complaint_form_are_a_form_error(bad):
    client = client_for("Superuser")
    complaint = ComplaintFactory(problems=["no-data"])
    url = f"{CHANGELIST}{complaint.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        problems=[p.pk for p in complaint.problems.all()],
        city_place=bad,
        district_place=bad,
    )
    data["problems"] = [*data["problems"], bad] if bad else data["problems"]
    response = client.post(url, data)
    if bad in ("", "１"):  # noqa: RUF001 (empty, or a digit Python reads as 1)
        assert response.status_code in (200, 302)
        return
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "city_place" in errors
    complaint.refresh_from_db()
    assert complaint.city_place is not None


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_parent_in_the_place_form_is_a_form_error(bad):
    client = client_for("Superuser")
    place = Place.objects.filter(kind=Place.Kind.DISTRICT, parent__slug="hamburg").first()
    data = place_form_data(client, place, parent=bad)
    response = client.post(reverse("admin:complaints_place_change", args=[place.pk]), data)
    assert response.status_code in (200, 302)
    if bad not in ("", "１"):  # noqa: RUF001 (empty, or a digit Python reads as 1)
        assert response.status_code == 200 and "parent" in response.context["adminform"].form.errors
        place.refresh_from_db()
        assert place.parent.slug == "hamburg"


def test_a_bulk_action_with_a_non_numeric_id_changes_nothing():
    client = client_for("Superuser")
    complaint = ComplaintFactory()
    response = client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [complaint.pk, "abc"]}
    )
    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING


def test_an_invalid_regular_expression_is_a_400_not_a_500():
    client = client_for("Superuser")
    ComplaintFactory()
    response = client.get(CHANGELIST, {"status": "all", "city__regex": "("})
    assert response.status_code == 400
