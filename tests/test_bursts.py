"""Fraud forensics (issue 18, part 5): the keys made at submission, bursts, the burst page.

The hashes group what belongs together (one /24 or /64, one email domain, near-identical
texts) and nothing else, never equal an address hash, change with the day and go with the
address hash; a burst is BURST_MIN_SIZE reports of one key within BURST_WINDOW_MINUTES; the
burst page shows the reports without personal data and marks the pending ones as spam."""

import datetime
import random

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from complaints.carrier.imports import rows
from complaints.intake import abuse, forensics
from complaints.intake import services as intake
from complaints.models import Complaint, ModerationDecision, ProblemType, Status
from complaints.moderation import bursts
from complaints.privacy.redaction import redact
from complaints.privacy.retention import personal_data_purge

from .factories import ComplaintFactory, UserFactory
from .helpers import freshly_shown

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 24)
T0 = timezone.make_aware(datetime.datetime(2026, 11, 24, 14, 0))


def minutes(value: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=value)


# -- the keys ------------------------------------------------------------------------------


def test_an_ipv4_network_is_its_24():
    same = forensics.network_hash("203.0.113.7", DAY)
    assert same == forensics.network_hash("203.0.113.99", DAY) != ""
    assert same == forensics.network_hash("203.0.113.255:4711", DAY)  # with a port
    assert same == forensics.network_hash("::ffff:203.0.113.12", DAY)  # IPv4-mapped
    assert same != forensics.network_hash("203.0.114.7", DAY)
    assert same != forensics.network_hash("203.0.112.7", DAY)


def test_an_ipv6_network_is_its_64():
    same = forensics.network_hash("2001:db8:1:2::1", DAY)
    assert same == forensics.network_hash("2001:db8:1:2:ffff:ffff:ffff:fffe", DAY)
    assert same == forensics.network_hash("[2001:DB8:1:2:0:0:0:9]:443", DAY)
    assert same != forensics.network_hash("2001:db8:1:3::1", DAY)


@pytest.mark.parametrize("value", ["", "abc", "999.1.1.1", "\x00"])
def test_no_address_no_network(value):
    assert forensics.network_hash(value, DAY) == ""


@pytest.mark.parametrize("ip", ["203.0.113.0", "203.0.113.7", "2001:db8:1:2::", "2001:db8::1"])
def test_the_network_hash_never_equals_an_address_hash_and_changes_daily(ip):
    # For IPv6 the address hash's subject is the /64 too: the label keeps them apart.
    assert forensics.network_hash(ip, DAY) != abuse.ip_hash(ip, DAY)
    tomorrow = DAY + datetime.timedelta(days=1)
    assert forensics.network_hash(ip, DAY) != forensics.network_hash(ip, tomorrow)


def test_one_definition_of_the_daily_key():
    """abuse.ip_hash is the HMAC of its subject under daily_key("ip"): the same key."""
    import hashlib
    import hmac

    subject = abuse.client_subject("198.51.100.4").encode()
    made = hmac.new(forensics.daily_key("ip", DAY), subject, hashlib.sha256).hexdigest()[:32]
    assert made == abuse.ip_hash("198.51.100.4", DAY)


def test_the_email_domain_regardless_of_case_and_idna():
    same = forensics.email_domain_hash("anna@Müller-Funk.DE", DAY)
    assert same != ""
    assert same == forensics.email_domain_hash("bert@müller-funk.de", DAY)
    assert same == forensics.email_domain_hash("carl@xn--mller-funk-9db.de", DAY)
    assert same == forensics.email_domain_hash("dora@XN--MLLER-FUNK-9DB.DE.", DAY)
    assert same == forensics.email_domain_hash('"a@b"@müller-funk.de', DAY)  # the last @
    assert same != forensics.email_domain_hash("anna@mueller-funk.de", DAY)
    tomorrow = DAY + datetime.timedelta(days=1)
    assert same != forensics.email_domain_hash("anna@müller-funk.de", tomorrow)


def test_no_email_or_a_big_provider_no_domain_hash():
    assert forensics.email_domain_hash("", DAY) == ""
    assert forensics.email_domain_hash("no-at-sign", DAY) == ""
    # Five reports in half an hour from GMX or Gmail say nothing about their senders.
    assert forensics.email_domain_hash("anna@GMX.de", DAY) == ""
    assert forensics.email_domain_hash("bert@gmail.com", DAY) == ""


def test_the_domain_hash_is_no_address_hash():
    assert forensics.email_domain_hash("x@example.net", DAY) != abuse.ip_hash("example.net", DAY)


BASE = "Seit drei Wochen bricht in der Bahnhofstraße abends jedes Telefonat nach 2 Minuten ab."


@pytest.mark.parametrize(
    "variant",
    [
        BASE.upper(),
        BASE.lower(),
        BASE.replace(" ", "   ").replace(".", "!!!"),
        BASE.replace("2", "5"),
        "Seit drei Wochen bricht, in der Bahnhofstraße, abends jedes Telefonat nach Minuten ab",
        "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in BASE),  # full width
        BASE.replace("a", "\u0430").replace("e", "\u0435"),  # Cyrillic a and e
        BASE.replace("ß", "ss"),
        BASE.replace(" ", "\u200b "),  # zero-width spaces
        BASE + " [entfernt]",
    ],
)
def test_near_identical_texts_share_a_fingerprint(variant):
    assert forensics.description_fingerprint(variant) == forensics.description_fingerprint(BASE)
    assert forensics.description_fingerprint(BASE) != ""


def test_texts_differing_in_a_redacted_name_share_a_fingerprint():
    one = redact("Ich heiße Anna Schmidt und habe in der Wohnung seit Tagen kein Netz.")
    two = redact("Ich heiße Bernd Krause und habe in der Wohnung seit Tagen kein Netz.")
    assert one != two or "[entfernt]" in one
    assert forensics.description_fingerprint(one) == forensics.description_fingerprint(two)


def test_different_and_short_texts_do_not():
    other = "Seit drei Wochen bricht in der Schulstraße abends jedes Telefonat nach 2 Minuten ab."
    assert forensics.description_fingerprint(other) != forensics.description_fingerprint(BASE)
    for short in ["kein netz", "Kein Netz!!!", "Gar kein Netz im ganzen Haus", "", "1234 5678"]:
        assert forensics.description_fingerprint(short) == ""


def test_a_submission_stores_the_three_keys(valid_report):
    data = freshly_shown(
        valid_report, email="jo@Firma-Beispiel.de", description=BASE + " Gruß, Jo Wagner"
    )
    response = Client(REMOTE_ADDR="203.0.113.7").post("/report/", data)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.network_hash == forensics.network_hash("203.0.113.200")
    assert complaint.email_domain_hash == forensics.email_domain_hash("x@firma-beispiel.de")
    assert complaint.description_fingerprint == forensics.description_fingerprint(
        complaint.description_redacted
    )
    assert complaint.description_fingerprint != ""
    assert complaint.network_hash != complaint.ip_hash


def test_a_submission_without_email_or_text_stores_no_domain_or_fingerprint(valid_report):
    data = freshly_shown(valid_report, email="", description="Kein Netz.")
    Client(REMOTE_ADDR="2001:db8:1:2::1").post("/report/", data)
    complaint = Complaint.objects.get()
    assert (complaint.email_domain_hash, complaint.description_fingerprint) == ("", "")
    assert complaint.network_hash == forensics.network_hash("2001:db8:1:2::99")


def test_an_imported_row_gets_a_fingerprint_and_no_domain_hash():
    instance = Complaint(description=BASE, email="alt@firma-beispiel.de")
    rows.tidy_description(instance)
    assert instance.description_fingerprint == forensics.description_fingerprint(BASE)
    assert instance.email_domain_hash == instance.network_hash == ""


def test_retention_drops_network_and_domain_hashes_with_the_address_hash(settings):
    settings.IP_HASH_RETENTION_DAYS = 7
    now = timezone.now()
    keys = {"ip_hash": "i", "network_hash": "n", "email_domain_hash": "d"}
    old = ComplaintFactory(submitted_at=now - datetime.timedelta(days=8), **keys)
    only_network = ComplaintFactory(submitted_at=now - datetime.timedelta(days=8), network_hash="n")
    recent = ComplaintFactory(submitted_at=now - datetime.timedelta(days=6), **keys)
    Complaint.objects.filter(pk=old.pk).update(description_fingerprint="f")
    personal_data_purge(now=now)
    old.refresh_from_db()
    only_network.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_hash, old.network_hash, old.email_domain_hash) == ("", "", "")
    assert only_network.network_hash == ""
    assert (recent.ip_hash, recent.network_hash, recent.email_domain_hash) == ("i", "n", "d")
    assert old.description_fingerprint == "f"  # of the redacted text, which is kept too


# -- bursts --------------------------------------------------------------------------------


def reports_at(times, **keys) -> list[Complaint]:
    return [ComplaintFactory(submitted_at=minutes(t), **keys) for t in times]


def test_five_reports_within_thirty_minutes_are_a_burst():
    made = reports_at([0, 7, 14, 21, 28], network_hash="n1")
    for complaint in made:
        with translation.override("en"):
            (burst,) = bursts.bursts_of(complaint)
        assert (burst.kind, burst.size, burst.pending) == ("network", 5, 5)
        assert burst.label == "5 reports from one network within 28 minutes"
    assert bursts.burst_members(Complaint.objects.all()) == {c.pk for c in made}


def test_four_are_not():
    made = reports_at([0, 7, 14, 21], network_hash="n1")
    reports_at([1, 2, 3], network_hash="n2")  # another network
    reports_at([4, 5], network_hash="")  # no key: never a burst
    assert all(bursts.bursts_of(c) == [] for c in made)
    assert bursts.burst_members(Complaint.objects.all()) == set()


def test_the_window_edges():
    # Exactly thirty minutes from the first to the last: a burst.
    edge = reports_at([0, 0, 10, 20, 30], email_domain_hash="d1")
    assert bursts.bursts_of(edge[0])[0].size == 5
    # A second more: four within thirty minutes, and the last alone.
    Complaint.objects.all().delete()
    late = reports_at([0, 0, 10, 20], email_domain_hash="d1")
    late += [ComplaintFactory(submitted_at=minutes(30) + datetime.timedelta(seconds=1),
                              email_domain_hash="d1")]  # fmt: skip
    assert [bursts.bursts_of(c) for c in late] == [[]] * 5
    assert bursts.burst_members(Complaint.objects.all()) == set()


def test_five_within_an_hour_but_never_five_within_thirty_minutes_are_no_burst():
    made = reports_at([0, 10, 20, 30, 50], description_fingerprint="t1")
    assert [bursts.bursts_of(c) for c in made] == [[]] * 5


def test_every_status_counts_and_the_burst_spans_its_windows():
    made = reports_at([0, 1, 2, 3, 4, 30, 31, 32, 33, 34], description_fingerprint="t1")
    Complaint.objects.filter(pk__in=[c.pk for c in made[:3]]).update(
        status=Status.PUBLISHED, moderated_at=T0
    )
    (burst,) = bursts.bursts_of(made[4])
    # [4, 34] holds six: the windows of the two groups overlap, so they are one burst.
    assert (burst.kind, burst.size, burst.pending) == ("text", 10, 7)
    assert "34" in burst.label
    # Around the first: the windows that hold it, [0, 30] (six), not the later ones.
    found = bursts.burst_around(made[0], "text")
    assert found.ids == [c.pk for c in made[:6]]
    assert found.pending_ids == [c.pk for c in made[3:6]]


def test_a_report_in_two_bursts_and_the_label_says_no_key():
    made = reports_at([0, 1, 2, 3, 4], network_hash="n1", email_domain_hash="d1")
    found = bursts.bursts_of(made[2])
    assert [b.kind for b in found] == ["network", "domain"]
    assert all("n1" not in b.label and "d1" not in b.label for b in found)
    assert bursts.bursts_of(made[2])[0].label.startswith("5 ")


def test_burst_members_on_a_mixed_queue():
    in_network = reports_at([0, 5, 10, 15, 20], network_hash="n1")
    # A text burst with two reports already published: they count, but are not in the queue.
    in_text = reports_at([100, 101, 102, 103, 104], description_fingerprint="t1")
    Complaint.objects.filter(pk__in=[c.pk for c in in_text[:2]]).update(
        status=Status.PUBLISHED, moderated_at=T0
    )
    spread = reports_at([200, 240, 280, 320, 360], network_hash="n2")  # 40 minutes apart
    others = reports_at([0, 1, 2, 3, 4], network_hash="")
    others += [ComplaintFactory(submitted_at=minutes(t), email_domain_hash=f"d{t}") for t in [0, 1]]
    pending = Complaint.objects.filter(status=Status.PENDING)
    expected = {c.pk for c in in_network + in_text[2:]}
    assert bursts.burst_members(pending) == expected
    assert bursts.burst_members(pending.filter(pk__in=[c.pk for c in spread + others])) == set()
    # A report of the queue whose burst mates are outside the queryset is still in a burst.
    assert bursts.burst_members(Complaint.objects.filter(pk=in_network[0].pk)) == {in_network[0].pk}
    assert bursts.burst_members(pending.order_by("pk")[:3]) == {c.pk for c in in_network[:3]}
    assert bursts.burst_members(Complaint.objects.none()) == set()


def test_burst_members_agrees_with_bursts_of(settings):
    """On random traffic: the queue's members are exactly the reports bursts_of finds in one."""
    settings.BURST_MIN_SIZE = 4
    settings.BURST_WINDOW_MINUTES = 20
    chance = random.Random(18)
    for _ in range(120):
        ComplaintFactory(
            submitted_at=minutes(chance.uniform(0, 240)),
            network_hash=chance.choice(["n1", "n2", "n3", ""]),
            description_fingerprint=chance.choice(["t1", "t2", "", "", ""]),
        )
    everyone = Complaint.objects.all()
    expected = {c.pk for c in everyone if bursts.bursts_of(c)}
    assert 0 < len(expected) < 120
    assert bursts.burst_members(everyone) == expected


# -- the burst page ------------------------------------------------------------------------


def staff(group: str | None, username: str, **extra):
    user = UserFactory(username=username, is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def burst_url(complaint, kind="network") -> str:
    return reverse("admin:complaints_complaint_burst", args=[complaint.pk, kind])


@pytest.fixture
def network_burst():
    """Six reports from one network, with the personal data a sender leaves: one published."""
    made = []
    for n in range(6):
        made.append(
            ComplaintFactory(
                submitted_at=minutes(n * 3),
                email=f"sender{n}@firma-beispiel.de",
                description=f"Ich heiße Anna Schmidt{n}. Kein Netz in der Wohnung seit {n} Tagen.",
                ip_hash=f"ipHASH{n:026d}",
                network_hash="NETHASH" + "0" * 25,
                email_domain_hash="DOMHASH" + "0" * 25,
                description_fingerprint="TXTHASH" + "0" * 25,
                problems=["no-data", "dropped-calls"],
            )
        )
    Complaint.objects.filter(pk=made[5].pk).update(status=Status.PUBLISHED, moderated_at=T0)
    return made


def test_moderators_and_organizers_see_the_burst_without_personal_data(network_burst):
    moderator = client_for(staff("Moderator", "moritz"))
    for client in [moderator, client_for(staff("Organizer", "olga"))]:
        response = client.get(burst_url(network_burst[0]), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count('<li class="burst-report') == 6
        assert "<h1>6 reports from one network within 15 minutes</h1>" in page
        assert "Altona" in page and "Hamburg" in page
    for complaint in network_burst:
        assert complaint.description_redacted.split(".")[1] in page  # the redacted text
        for secret in [
            complaint.email,
            "firma-beispiel",
            complaint.reference,
            "Schmidt",
            complaint.ip_hash,
            "NETHASH",
            "DOMHASH",
            "TXTHASH",
        ]:
            assert secret not in page
    for url in [burst_url(c, kind) for c in network_burst for kind in bursts.KINDS]:
        assert "HASH" not in url


def test_without_the_right_to_change_complaints_no_burst(network_burst):
    assert client_for(staff(None, "nobody")).get(burst_url(network_burst[0])).status_code == 403
    carrier = client_for(staff("Carrier", "carla"))
    assert carrier.get(burst_url(network_burst[0])).status_code == 403
    anonymous = Client().get(burst_url(network_burst[0]))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_hostile_or_unknown_input_is_a_404_or_400(network_burst, organizer):
    client = client_for(organizer)
    lone = ComplaintFactory(network_hash="elsewhere")
    base = "/admin/complaints/complaint/desk/burst/"
    pk = network_burst[0].pk
    for path in [
        f"{base}{pk}/bogus/",
        f"{base}{pk}/network%00/",
        f"{base}{pk}/NETWORK/",
        f"{base}{lone.pk}/network/",  # not in a burst
        f"{base}{lone.pk}/text/",  # no key at all
        f"{base}99999999999999999999/network/",
        f"{base}9223372036854775807/network/",
    ]:
        assert client.get(path, follow=True).status_code in {400, 404}, path
        assert client.post(path, {"ids": str(pk)}, follow=True).status_code in {400, 404}, path
    # Not a number: not this page's URL; the admin's own leads back to the list.
    assert client.get(f"{base}abc/network/", follow=True).status_code < 500
    url = burst_url(network_burst[0])
    for ids in ["", "abc", f"{pk},abc", f"{pk},99999999999999999999", f"{pk}\x00", "-1", " 1"]:
        assert client.post(url, {"ids": ids}).status_code == 400, ids
    assert client.put(url).status_code == 400
    assert Complaint.objects.filter(status=Status.SPAM).count() == 0


def test_marking_the_burst_as_spam_after_confirming(network_burst, settings):
    moderator = staff("Moderator", "moritz")
    client = client_for(moderator)
    url = burst_url(network_burst[2])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{url}?confirm=1"' in page
    assert "Mark all 5 pending reports of this burst as spam" in page
    assert 'id="burst-confirm"' not in page
    confirming = client.get(url + "?confirm=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="burst-confirm"' in confirming
    assert "Mark all 5 pending reports of this burst as spam?" in confirming
    pending_ids = [c.pk for c in network_burst[:5]]
    assert f'value="{",".join(map(str, pending_ids))}"' in confirming
    # A report that joined the burst after the confirmation was shown is not marked unseen.
    late = ComplaintFactory(submitted_at=minutes(16), network_hash="NETHASH" + "0" * 25)
    stranger = ComplaintFactory(submitted_at=minutes(1))
    ids = ",".join(map(str, [*pending_ids, network_burst[5].pk, stranger.pk]))
    response = client.post(url, {"ids": ids}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    desk = "/admin/complaints/complaint/desk/"
    assert response["Location"] in {desk, "/admin/complaints/complaint/"}
    statuses = dict(Complaint.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in pending_ids] == [Status.SPAM] * 5
    assert statuses[network_burst[5].pk] == Status.PUBLISHED
    assert statuses[late.pk] == statuses[stranger.pk] == Status.PENDING
    decisions = ModerationDecision.objects.filter(complaint_id__in=pending_ids)
    assert decisions.count() == 5
    assert {(d.via, d.moderator_id, d.status) for d in decisions} == {
        (ModerationDecision.Via.BURST, moderator.pk, Status.SPAM)
    }
    followed = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "5 reports of the burst marked as spam." in followed.content.decode()
    # Posted again: nothing left to mark, nothing recorded twice.
    assert client.post(url, {"ids": ids}).status_code == 302
    assert ModerationDecision.objects.count() == 5


def test_a_burst_with_nothing_pending_offers_no_decision(network_burst, organizer):
    Complaint.objects.update(status=Status.REJECTED, moderated_at=T0)
    ModerationDecision.objects.all().delete()
    Complaint.objects.update(status=Status.SPAM)
    page = client_for(organizer).get(burst_url(network_burst[0]) + "?confirm=1")
    assert page.status_code == 200
    assert 'id="burst-confirm"' not in page.content.decode()
    assert 'id="burst-decided"' in page.content.decode()


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_page_in_both_languages(network_burst, organizer, language):
    client = client_for(organizer)
    page = client.get(burst_url(network_burst[0]), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert f'<html lang="{language}"' in page.content.decode()
    assert 'id="burst-mark"' in page.content.decode()


def test_six_reports_sent_from_one_network_are_one_burst(valid_report):
    for n in range(6):
        data = freshly_shown(valid_report, description=f"Meldung Nummer {n}", email="")
        assert Client(REMOTE_ADDR=f"198.51.100.{n + 10}").post("/report/", data).status_code == 302
    Client(REMOTE_ADDR="198.51.101.3").post("/report/", freshly_shown(valid_report, email=""))
    made = list(Complaint.objects.order_by("pk"))
    (burst,) = bursts.bursts_of(made[0])
    assert (burst.kind, burst.size, burst.pending) == ("network", 6, 6)
    assert bursts.bursts_of(made[6]) == []
    assert bursts.burst_members(Complaint.objects.all()) == {c.pk for c in made[:6]}


def test_complaint_submit_takes_the_network_from_its_caller():
    made = intake.complaint_submit(
        problems=[ProblemType.objects.get(slug="no-data")],
        city="Hamburg",
        frequency="daily",
        email="x@beispiel-gmbh.de",
        network_hash=forensics.network_hash("203.0.113.5"),
    )
    assert made.network_hash == forensics.network_hash("203.0.113.6")
    assert made.email_domain_hash == forensics.email_domain_hash("y@beispiel-gmbh.de")


# -- the adversary figure ------------------------------------------------------------------
#
# Near-duplicate spam, as a campaign of fakes or a bot varies one text, against distinct real
# reports: how many variants the fingerprint groups with their original (recall) and how many
# real reports it groups with any other text (false grouping). The figures are in README.

SPAM = [
    "Der Anbieter ist der schlechteste in ganz Deutschland, sofort kündigen und wechseln!",
    "Ich habe seit 14 Tagen überhaupt keinen Empfang mehr, weder Telefon noch Internet geht.",
    "Netz total ausgefallen in der ganzen Stadt, alle Nachbarn haben dasselbe Problem seit Montag",
    "Bitte unterschreibt alle die Petition gegen den Netzbetreiber, das Netz ist eine Katastrophe",
    "Mein Handy zeigt immer nur E an und Webseiten laden gar nicht mehr, das ist unzumutbar hier.",
    "Seit dem Update am 3. Mai habe ich im Büro kein 5G mehr und Anrufe brechen dauernd ab.",
]

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}
LOOK_ALIKE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}


def normalized_variants(text: str, chance: random.Random) -> list[tuple[str, str]]:
    """What the fingerprint is built to see through, as (variant, the text it varies): case,
    punctuation, spaces, digits, full-width and look-alike letters, invisible characters,
    accents, another name (redacted)."""
    digits = "".join(str(chance.randint(0, 9)) if c.isdigit() else c for c in text)
    signed = [redact(f"Ich heiße {name}. {text}") for name in ["Paula Berger", "Jonas Wolf"]]
    assert signed[0] == signed[1] != text  # (the names are redacted)
    variants = [
        text.upper(),
        text.lower(),
        text.replace(",", "").replace("!", "").replace(".", ""),
        text.replace(" ", "  ").replace(",", " ,  "),
        "".join(FULL_WIDTH.get(c, c) for c in text),
        "".join(LOOK_ALIKE.get(c, c) for c in text),
        text.replace(" ", " \u200b"),
        text.replace("ü", "u\u0308").replace("ä", "a\u0308"),
        digits + " 0176 " + str(chance.randint(1000000, 9999999)),
        "!!! " + text + " !!!",
        text.replace("ß", "ss").replace("e", "é", 1),
    ]
    return [(variant, text) for variant in variants] + [(signed[1], signed[0])]


def edited_variants(text: str) -> list[str]:
    """What it does not see through: a word changed, added or dropped, a typo."""
    words = text.split()
    return [
        " ".join(words[:-1]),
        text.replace("n", "nn", 1),
        " ".join(["Hallo,", *words]),
        " ".join(words[1:] + words[:1]),
    ]


REAL = [
    "In Hamburg-Altona bricht abends ständig die Verbindung ab, vor allem zwischen 18 und 22 Uhr.",
    "Im Keller und im Treppenhaus habe ich gar keinen Empfang, in der Wohnung nur einen Balken.",
    "Auf der A7 zwischen Neumünster und Kiel fallen Gespräche regelmäßig an derselben Stelle weg.",
    "Im Zug nach Bremen gibt es fast nur Edge, Videokonferenzen sind unmöglich.",
    "Seit dem Umbau des Funkmasts am Bahnhof ist das Netz in der Innenstadt deutlich schlechter.",
    "Mobile Daten sind tagsüber brauchbar, aber nachts kommt kaum etwas an, Downloads brechen ab.",
    "Im Neubaugebiet am Stadtrand haben wir nur 3G, obwohl die Karte 5G zeigt.",
    "Anrufe in meiner Wohnung gehen nur am Fenster, sonst ist die Verbindung nach Sekunden weg.",
    "Im Supermarkt und in der Tiefgarage komplett ohne Netz, Bezahlen mit dem Handy geht nicht.",
    "Seit drei Wochen bricht in der Bahnhofstraße abends jedes Telefonat nach 2 Minuten ab.",
    "Seit drei Wochen bricht in der Schulstraße abends jedes Telefonat nach 2 Minuten ab.",
    "Seit vier Wochen bricht in der Bahnhofstraße morgens jedes Telefonat nach 2 Minuten ab.",
    "Das Internet über LTE ist im ganzen Dorf so langsam, dass nicht einmal E-Mails laden.",
    "Beim Pendeln durch den Elbtunnel verliere ich jedes Mal die Verbindung für mehrere Minuten.",
    "Wenn es regnet, fällt das Netz in unserer Straße fast immer für einige Stunden aus.",
    "Die Sprachqualität ist schlecht, der Gesprächspartner hört mich abgehackt und mit Echo.",
    "Im Krankenhaus in der Notaufnahme gibt es keinen Empfang, Angehörige erreichen niemanden.",
    "Auf dem Campus der Universität ist das Netz zur Mittagszeit völlig überlastet.",
    "Im Fußballstadion geht bei Heimspielen gar nichts mehr, weder Anrufe noch Nachrichten.",
    "Unser Ferienhaus an der Küste hat nur Empfang, wenn man sich auf die Terrasse stellt.",
    "Die Verbindung springt ständig zwischen 4G und 3G hin und her, dabei bricht alles ab.",
    "Im Homeoffice fallen Videocalls über den Hotspot mehrmals pro Stunde aus.",
    "In der S-Bahn zwischen Altona und Blankenese ist zwischen den Stationen kein Netz.",
    "SMS kommen oft erst Stunden später an, manchmal auch gar nicht.",
    "Seit Montag zeigt das Handy in der Wohnung nur noch Notrufe an.",
    "Am Wochenende ist das Netz im Stadtpark so voll, dass keine Webseite lädt.",
    "Die Gespräche brechen genau dann ab, wenn ich im Auto an der Ampel am Ring stehe.",
    "Im Gewerbegebiet Nord hat die halbe Firma keinen Empfang in den Hallen.",
    "Mein Tarif verspricht 50 Mbit, gemessen habe ich im Schnitt 0,8 Mbit am Abend.",
    "Im Altbau mit dicken Wänden ist nur im Flur ein wenig Empfang.",
    "Kein Netz.",
    "Kein Netz!",
    "Gar kein Empfang zu Hause.",
    "Geht nicht.",
    "Im Bus der Linie 5 gibt es auf der ganzen Strecke kaum Empfang.",
    "Der Empfang ist morgens gut und ab dem Nachmittag kaum noch vorhanden.",
    "Bei Gewitter fällt unser Mast im Ort zuverlässig für einen Tag aus.",
    "Ich arbeite als Pflegekraft und bin im Dienst telefonisch nicht erreichbar.",
    "Im Hotel an der Messe funktioniert das mobile Internet nur im Erdgeschoss.",
    "Telefonieren geht, aber mobile Daten sind seit Tagen extrem langsam.",
]


def corpus_figures() -> dict:
    chance = random.Random(2011)
    fingerprint = forensics.description_fingerprint
    groups = []  # (group id, text); a spam text and its variants are one group
    normal = edited = 0
    normal_hit = edited_hit = 0
    for number, base in enumerate(SPAM):
        groups.append((f"spam{number}", base))
        for variant, original in normalized_variants(base, chance):
            groups.append((f"spam{number}", variant))
            normal += 1
            normal_hit += fingerprint(variant) == fingerprint(original) != ""
        for variant in edited_variants(base):
            groups.append((f"spam{number}", variant))
            edited += 1
            edited_hit += fingerprint(variant) == fingerprint(base) != ""
    groups += [(f"real{number}", text) for number, text in enumerate(REAL)]
    owners = {}
    for group, text in groups:
        if key := fingerprint(text):
            owners.setdefault(key, set()).add(group)
    falsely = [
        text
        for number, text in enumerate(REAL)
        if len(owners.get(fingerprint(text), {f"real{number}"})) > 1
    ]
    return {
        "normalized": (normal_hit, normal),
        "edited": (edited_hit, edited),
        "falsely_grouped": (len(falsely), len(REAL)),
        "without_fingerprint": sum(not fingerprint(t) for t in REAL),
    }


def test_the_adversary_figure():
    figures = corpus_figures()
    print(figures)  # README: the share grouped and falsely grouped (pytest -s)
    hit, total = figures["normalized"]
    assert (hit, total) == (72, 72)
    # A changed word or a typo makes another text: the network and the domain may catch it.
    assert figures["edited"][0] == 0
    assert figures["falsely_grouped"][0] == 0
    assert figures["without_fingerprint"] == 4  # the four short ones


def test_a_burst_across_midnight_splits(monkeypatch):
    """The network's hash changes at midnight: three reports before and three after are two
    groups of three, neither a burst (README: the midnight split)."""
    problem = ProblemType.objects.get(slug="no-data")
    made = []
    for n in range(6):
        day = DAY if n < 3 else DAY + datetime.timedelta(days=1)
        monkeypatch.setattr(abuse.timezone, "localdate", lambda day=day: day)
        made.append(
            intake.complaint_submit(
                problems=[problem],
                city="Hamburg",
                frequency="daily",
                network_hash=forensics.network_hash(f"203.0.113.{n + 1}"),
            )
        )
    midnight = timezone.make_aware(datetime.datetime(2026, 11, 25))
    for n, complaint in enumerate(made):
        moment = midnight + datetime.timedelta(minutes=2 * n - 5)
        Complaint.objects.filter(pk=complaint.pk).update(submitted_at=moment)
    assert len({c.network_hash for c in made}) == 2
    assert bursts.burst_members(Complaint.objects.all()) == set()
    # The same six with one day's key: one burst.
    Complaint.objects.update(network_hash=made[0].network_hash)
    assert bursts.burst_members(Complaint.objects.all()) == {c.pk for c in made}
