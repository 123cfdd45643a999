"""Carrier accounts (issue 19, part 2): a carrier user reaches only its carrier's complaints.

Two carriers (o2, telekom), a carrier user for each. Every download (anonymized rows as
CSV in both dialects, XLSX and JSON; the aggregates) is posted with every carrier value in
POSTED (the other carrier's slug, empty, "all", an unknown one, hostile strings) and holds
only the user's own carrier's complaints: 2 users x 6 formats x 8 posted values = 96
downloads, each checked row by row, none a 5xx. A carrier user without a carrier gets
nothing (GET and POST of each kind: no file, no audit row). The audit row records the
carrier. The command carrier_account: create, link, change, unchanged, refusals (unknown
carrier, bad email, superuser, organizer, moderator), with exit codes and nothing stored.
The admin: the organizer adds an account (a one-time link to set the password), a carrier
user cannot reach the accounts, a posted unknown carrier is refused.
"""

import csv
import io
import json
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from openpyxl import load_workbook

from complaints.carrier import accounts
from complaints.models import CarrierAccount, ExportLog, Status
from reports import selectors

from .factories import ComplaintFactory, UserFactory
from .helpers import release

pytestmark = pytest.mark.django_db

DOWNLOADS = "/admin/complaints/complaint/downloads/"
ACCOUNTS = "/admin/complaints/carrieraccount/"
POSTED = [
    "o2",
    "telekom",
    "",
    "all",
    "vodafone",
    "acme",
    "o2' OR '1'='1",
    "<script>alert(1)</script>",
]
FORMATS = ["csv-rfc4180", "csv-excel-de", "xlsx", "json"]
# Published reports per (city, carrier): every total differs from the others and from the
# sums, so a leaked count would show.
WORLD = {("Hamburg", "o2"): 6, ("Hamburg", "telekom"): 7, ("Berlin", "o2"): 8}
WORLD[("Berlin", "telekom")] = 9


@pytest.fixture
def world():
    for (city, carrier), count in WORLD.items():
        ComplaintFactory.create_batch(
            count,
            city=city,
            carrier=carrier,
            status=Status.PUBLISHED,
            description=f"secret of {carrier}",
        )
    ComplaintFactory(city="Hamburg", carrier="o2", status=Status.PENDING)
    release()


def staff(username: str, group: str | None = None, **fields):
    user = UserFactory(username=username, is_staff=True, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def carrier_user(username: str, carrier: str | None):
    user = staff(username, "Carrier")
    if carrier:
        CarrierAccount.objects.create(user=user, carrier=carrier)
    return user


def client_of(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def rows_of(content: bytes, fmt: str) -> list[dict]:
    """The file's rows as dictionaries, whatever its format."""
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    if fmt == "json":
        return json.loads(content)
    if fmt == "csv-excel-de":
        return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    return list(csv.DictReader(io.StringIO(content.decode())))


def post(client, **data):
    response = client.post(DOWNLOADS, data)
    assert response.status_code < 500, response.status_code
    return response


def content_of(response) -> bytes:
    assert response.status_code == 200 and response.streaming, response.content[:300]
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("own, other", [("o2", "telekom"), ("telekom", "o2")])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("posted", POSTED)
def test_a_carrier_user_downloads_only_its_own_rows(world, own, other, fmt, posted):
    client = client_of(carrier_user(f"user-{own}", own))
    response = post(client, kind="anonymized", format=fmt, carrier=posted)
    rows = rows_of(content_of(response), fmt)
    expected = sum(n for (_city, carrier), n in WORLD.items() if carrier == own)
    assert len(rows) == expected
    assert {row["carrier"] for row in rows} == {own}
    assert {row["description"] for row in rows} == {f"secret of {own}"}
    log = ExportLog.objects.get()
    assert (log.carrier, log.filters, log.rows, log.user.username) == (
        own,
        {"carrier": own},
        expected,
        f"user-{own}",
    )


def city_totals(rows: list[dict]) -> dict[str, int]:
    return {
        row["city"]: int(row["complaints"])
        for row in rows
        if not row["district"] and not row["problem"] and row["complaints"] not in ("", None)
    }


@pytest.mark.parametrize("own", ["o2", "telekom"])
@pytest.mark.parametrize("fmt", ["csv-rfc4180", "json"])
@pytest.mark.parametrize("posted", POSTED)
def test_a_carrier_user_s_aggregates_are_its_carrier_s_evaluation(world, own, fmt, posted):
    client = client_of(carrier_user(f"user-{own}", own))
    response = post(client, kind="aggregates", format=fmt, carrier=posted)
    totals = city_totals(rows_of(content_of(response), fmt))
    published = selectors.evaluation(own)
    assert totals == {city.name: city.complaints for city in published.shown_cities}
    # Never the numbers of all carriers or of the other one.
    assert set(totals.values()) <= {n for (_c, carrier), n in WORLD.items() if carrier == own}
    assert ExportLog.objects.get().carrier == own


def test_an_organizer_still_downloads_every_carrier(world, organizer_client):
    page = organizer_client.get(DOWNLOADS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "all carriers" in page and "telekom" in page and "o2" in page
    response = post(organizer_client, kind="anonymized", format="json")
    rows = rows_of(content_of(response), "json")
    assert len(rows) == sum(WORLD.values()) and {r["carrier"] for r in rows} == {"o2", "telekom"}
    assert ExportLog.objects.get().carrier == ""
    response = post(organizer_client, kind="anonymized", format="json", carrier="telekom")
    assert {r["carrier"] for r in rows_of(content_of(response), "json")} == {"telekom"}
    assert ExportLog.objects.first().carrier == "telekom"


def test_the_form_offers_a_carrier_user_only_its_carrier(world):
    client = client_of(carrier_user("tina", "telekom"))
    page = client.get(DOWNLOADS, HTTP_ACCEPT_LANGUAGE="en")
    field = page.context["form"]["carrier"]
    assert [value for value, _name in field.field.choices] == ["telekom"]
    html = page.content.decode()
    assert "all carriers" not in html and "O2 Telef" not in html
    assert "Your account belongs to Telekom" in html


@pytest.mark.parametrize("kind", ["anonymized", "aggregates"])
def test_a_carrier_user_without_a_carrier_gets_nothing(world, kind):
    client = client_of(carrier_user("nobody", None))
    page = client.get(DOWNLOADS, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "not linked to a carrier" in html and "<form" not in html.split("</header>")[-1]
    for posted in ("", "o2", "all"):
        response = post(client, kind=kind, format="csv-rfc4180", carrier=posted)
        assert response.status_code == 403 and not response.streaming
        assert b"secret of" not in response.content
    assert not ExportLog.objects.exists()


@pytest.mark.parametrize("kind", ["anonymized", "aggregates"])
def test_an_account_of_a_carrier_no_longer_configured_gets_nothing(world, kind):
    # Review finding: its aggregates fell back to every carrier's evaluation, recorded as its.
    gone = carrier_user("eplus-desk", "eplus")
    assert accounts.scope(gone) == accounts.NOTHING
    response = post(client_of(gone), kind=kind, format="csv-rfc4180", carrier="eplus")
    assert response.status_code == 403 and not response.streaming
    assert not ExportLog.objects.exists()


def test_export_recorded_refuses_a_carrier_user_without_a_carrier(world):
    """The one place every export passes: a future path cannot forget the scope."""
    from django.core.exceptions import PermissionDenied

    from complaints.carrier.exports import Filters
    from complaints.carrier.services import export_recorded

    with pytest.raises(PermissionDenied):
        export_recorded(
            kind="anonymized",
            fmt="json",
            dialect="rfc4180",
            filters=Filters(),
            via="admin",
            user=carrier_user("nobody", None),
        )
    chunks = export_recorded(
        kind="anonymized",
        fmt="json",
        dialect="rfc4180",
        filters=Filters(carrier="o2"),
        via="admin",
        user=carrier_user("tina", "telekom"),
    )
    assert {row["carrier"] for row in json.loads(b"".join(chunks))} == {"telekom"}


def test_the_audit_shows_and_filters_the_carrier(world, organizer_client):
    post(client_of(carrier_user("tina", "telekom")), kind="anonymized", format="json")
    content_of(post(organizer_client, kind="anonymized", format="json"))
    audit = organizer_client.get("/admin/complaints/exportlog/", HTTP_ACCEPT_LANGUAGE="en")
    html = audit.content.decode()
    assert "Telekom" in html and "all carriers" in html
    only = organizer_client.get("/admin/complaints/exportlog/", {"carrier": "telekom"})
    assert [log.user.username for log in only.context["cl"].result_list] == ["tina"]


@override_settings(EINZELFALL_CARRIERS={"o2": "O2"})
def test_with_one_carrier_the_aggregates_are_the_campaign_s(organizer_client):
    ComplaintFactory.create_batch(6, city="Hamburg", carrier="o2", status=Status.PUBLISHED)
    release()
    client = client_of(carrier_user("olli", "o2"))
    totals = city_totals(
        rows_of(content_of(post(client, kind="aggregates", format="json")), "json")
    )
    assert totals == {"Hamburg": 6}


# -- the back office for a carrier user ----------------------------------------------------


def test_a_carrier_user_reaches_no_complaint_elsewhere(world):
    client = client_of(carrier_user("tina", "telekom"))
    complaint = ComplaintFactory(carrier="o2", status=Status.PUBLISHED)
    for url in (
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{complaint.pk}/change/",
        "/admin/complaints/place/",
        "/admin/complaints/placestatus/",
        "/admin/complaints/campaignupdate/",
        "/admin/complaints/exportlog/",
        ACCOUNTS,
        f"{ACCOUNTS}add/",
        "/admin/auth/user/",
    ):
        assert client.get(url).status_code in (403, 404), url
    index = client.get("/admin/").content.decode()
    assert DOWNLOADS in index and ACCOUNTS not in index


# -- the command ----------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("carrier_account", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_a_carrier_user_with_a_password_link(client):
    output = run("tina", "--carrier", "telekom", "--email", "tina@telekom.example")
    user = get_user_model().objects.get(username="tina")
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == ["Carrier"]
    assert (user.email, user.carrier_account.carrier) == ("tina@telekom.example", "telekom")
    assert "tina" in output and "Telekom" in output
    link = next(word for word in output.split() if "/password/" in word)
    path = link.split("127.0.0.1:8000", 1)[1]
    # The link sets a password once; then it is void.
    form = client.get(path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "ein-langes-Passwort-42", "new_password2": "ein-langes-Passwort-42"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("ein-langes-Passwort-42")
    assert "new_password1" not in client.get(path, follow=True).content.decode()
    assert client.login(username="tina", password="ein-langes-Passwort-42")


def test_the_command_links_changes_and_is_idempotent():
    existing = staff("tom", password="x-secret-password")
    first = run("tom", "--carrier", "o2")
    assert "/password/" not in first  # has a password already
    assert existing.carrier_account.carrier == "o2"
    assert existing.groups.filter(name="Carrier").exists()
    with override_settings(LANGUAGE_CODE="en"):
        from django.utils import translation

        with translation.override("en"):
            changed = run("tom", "--carrier", "telekom")
            again = run("tom", "--carrier", "telekom")
    assert "from O2 Telef\u00f3nica to Telekom" in changed
    assert "nothing changed" in again
    assert CarrierAccount.objects.get().carrier == "telekom"
    assert get_user_model().objects.filter(username="tom").count() == 1


@pytest.mark.parametrize(
    "args, found",
    [
        (["tina", "--carrier", "acme"], "acme"),
        (["tina", "--carrier", ""], "known"),
        (["tina", "--carrier", "o2", "--email", "not-an-email"], "not-an-email"),
        (["bad name!", "--carrier", "o2"], "username"),
        (["root", "--carrier", "o2"], "root"),
        (["olga", "--carrier", "o2"], "olga"),
        (["moritz", "--carrier", "o2"], "moritz"),
    ],
)
def test_the_command_refuses_and_stores_nothing(args, found):
    from django.utils import translation

    staff("root", is_superuser=True)
    staff("olga", "Organizer")
    staff("moritz", "Moderator")
    users = get_user_model().objects.count()
    with translation.override("en"), pytest.raises(CommandError) as error:
        run(*args)
    assert found in str(error.value)
    assert get_user_model().objects.count() == users
    assert not CarrierAccount.objects.exists()
    assert not get_user_model().objects.filter(groups__name="Carrier").exists()


def test_the_command_exits_non_zero_on_an_error():
    manage = [sys.executable, "manage.py", "carrier_account"]
    env = {"DJANGO_SETTINGS_MODULE": "einzelfall.settings_test", "ENV_FILE": "/dev/null"}
    import os

    env = {**os.environ, **env}
    result = subprocess.run(
        [*manage, "tina", "--carrier", "acme"], capture_output=True, text=True, env=env
    )
    assert result.returncode != 0 and "acme" in result.stderr


# -- the admin --------------------------------------------------------------------------------


def test_the_organizer_adds_a_carrier_account_in_the_admin(organizer_client):
    form = organizer_client.get(f"{ACCOUNTS}add/", HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200
    choices = form.context["adminform"].form.fields["carrier"].choices
    assert [value for value, _name in choices] == ["o2", "telekom", "vodafone"]
    saved = organizer_client.post(
        f"{ACCOUNTS}add/",
        {"username": "vera", "carrier": "vodafone", "email": "vera@vodafone.example"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert saved.status_code == 200, saved.content[:500]
    html = saved.content.decode()
    assert "Created the carrier user vera for Vodafone" in html
    assert "/password/" in html
    vera = get_user_model().objects.get(username="vera")
    assert vera.carrier_account.carrier == "vodafone" and vera.is_staff
    assert accounts.scope(vera) == "vodafone"
    listing = organizer_client.get(ACCOUNTS).content.decode()
    assert "vera" in listing and "vera@vodafone.example" in listing and "Vodafone" in listing


@pytest.mark.parametrize(
    "data",
    [
        {"username": "vera", "carrier": "acme", "email": ""},
        {"username": "vera", "carrier": "", "email": ""},
        {"username": "vera", "carrier": "o2", "email": "no email"},
        {"username": "", "carrier": "o2", "email": ""},
        {"username": "olga", "carrier": "o2", "email": ""},
        {"username": "x" * 300, "carrier": "o2", "email": ""},
    ],
)
def test_the_admin_add_form_refuses_bad_input(organizer_client, data):
    staff("olga", "Organizer")
    response = organizer_client.post(f"{ACCOUNTS}add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not CarrierAccount.objects.exists()


def test_the_organizer_changes_an_account_s_carrier(organizer_client):
    account = CarrierAccount.objects.create(user=carrier_user("tina", None), carrier="o2")
    url = f"{ACCOUNTS}{account.pk}/change/"
    assert organizer_client.post(url, {"carrier": "acme"}).status_code == 200
    assert organizer_client.post(url, {"carrier": "telekom"}).status_code == 302
    account.refresh_from_db()
    assert account.carrier == "telekom"


def test_an_organizer_group_member_manages_accounts_a_carrier_does_not():
    olga = client_of(staff("olga", "Organizer"))
    assert olga.get(ACCOUNTS).status_code == 200
    assert olga.get(f"{ACCOUNTS}add/").status_code == 200
    tina = client_of(carrier_user("tina", "telekom"))
    for url in (ACCOUNTS, f"{ACCOUNTS}add/"):
        assert tina.get(url).status_code == 403
    assert tina.post(f"{ACCOUNTS}add/", {"username": "x", "carrier": "o2"}).status_code == 403
    assert not get_user_model().objects.filter(username="x").exists()


def test_the_organizer_makes_a_new_password_link(organizer_client, client):
    run("tina", "--carrier", "telekom")
    account = CarrierAccount.objects.get()
    page = organizer_client.post(
        ACCOUNTS,
        {"action": "password_links", "_selected_action": [account.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    link = page.context["links"][0][1]
    assert link.startswith("http://testserver/admin/complaints/carrieraccount/password/")
    form = client.get(link.removeprefix("http://testserver"), follow=True)
    assert "new_password1" in form.content.decode()
    # A carrier user cannot make one (for itself or anyone).
    tina = client_of(carrier_user("tom", "o2"))
    refused = tina.post(ACCOUNTS, {"action": "password_links", "_selected_action": [account.pk]})
    assert refused.status_code == 403
