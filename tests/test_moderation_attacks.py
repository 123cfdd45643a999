"""Attacks on issue 18's moderation pages: the desk (decide, skip, previous, undo), the burst
page, the queue's bulk decisions and their confirmation, the new list filters, the reason,
decision and rule admins and the index counts.

The attackers: a moderator, another moderator in a session of her own, a carrier and an
anonymous visitor, with hostile ids, values, query strings and methods. Every request goes
through `attack`, which asserts what each of them may observe: never a 5xx, and none of the
planted personal values (email, reference, original description, follow-up comment and the
four hashes) in a response's body or headers. Each test also compares the stored statuses and
decisions before and after where nothing may change. TALLY counts the attempts and the 5xx;
the last test asserts and prints it."""

import datetime
import hashlib
import re
from urllib.parse import quote

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.intake import forensics
from complaints.models import (
    AutoPublishRule,
    Complaint,
    ModerationDecision,
    ProblemType,
    RejectionReason,
    Status,
)
from complaints.moderation.bulk import digest

from .factories import ComplaintFactory, UserFactory

pytestmark = pytest.mark.django_db

TALLY = {"attempts": 0, "5xx": 0, "leaks": 0}

# The planted personal data: none of it may reach a moderator, a carrier or a visitor.
EMAIL = "leak.me@quarkmail.example.org"
DOMAIN = "quarkmail"  # the address's domain: a burst of it must not name it
SECRET_WORD = "Quarkbrezelmann"  # only in the original description, redacted away
COMMENT = "Pflaumenmusgeheimnis im Folgekommentar"
IP_HASH = hashlib.sha256(b"planted ip").hexdigest()
NETWORK_HASH = hashlib.sha256(b"planted network").hexdigest()
REDACTED = "Seit Wochen bricht das Netz am Bahnhof ab, [entfernt] sagt das auch, jeden Abend."
DOMAIN_HASH = forensics.email_domain_hash(EMAIL)
FINGERPRINT = forensics.description_fingerprint(REDACTED)

# Ids far from the small numbers the hostile ids parse to (0, 12, 1000 ...), on any database.
FIRST_PK = 880_001

HOSTILE_IDS = [
    "abc",
    "-1",
    "0",
    "1e3",
    "1.0",
    "0x10",
    "9" * 20,
    "-" + "9" * 20,
    "\x00",
    "1\x00",
    "١٢",  # Arabic-Indic digits: int() reads them as 12
    "\uff11\uff12",  # fullwidth digits 12
    "x" * 4000,
    "1 OR 1=1",
    "'; DROP TABLE complaints_complaint; --",
    "../../../etc/passwd",
    "%25%30%30",
    "\r\nSet-Cookie: planted=1",
]
ONE_MB = "a" * 1_000_000

DESK = reverse("admin:complaints_complaint_desk")
SKIP = reverse("admin:complaints_complaint_desk_skip")
PREVIOUS = reverse("admin:complaints_complaint_desk_previous")
UNDO = reverse("admin:complaints_complaint_desk_undo")
QUEUE = reverse("admin:complaints_complaint_changelist")
DECISIONS = reverse("admin:complaints_moderationdecision_changelist")
REASONS = reverse("admin:complaints_rejectionreason_changelist")
RULES = reverse("admin:complaints_autopublishrule_changelist")
INDEX = reverse("admin:index")
JS = {"HTTP_X_DESK": "1"}


def decide_url(pk) -> str:
    # Built by hand: a hostile id reaches the view as it would from a hand-made URL.
    return DESK + quote(str(pk), safe="") + "/decide/"


def burst_url(pk, kind="network") -> str:
    return DESK + "burst/" + quote(str(pk), safe="") + "/" + quote(kind, safe="") + "/"


def planted(world) -> list[str]:
    return [
        EMAIL,
        quote(EMAIL),
        "leak.me",
        DOMAIN,
        world["target"].reference,
        SECRET_WORD,
        COMMENT,
        "Pflaumenmus",
        IP_HASH,
        NETWORK_HASH,
        DOMAIN_HASH,
        FINGERPRINT,
    ]


def observed(response) -> str:
    """What the requester gets: the body, every header and every cookie."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    cookies = response.cookies.output()
    return "\n".join([body.decode("utf-8", "replace"), headers, cookies])


def attack(world, client, method, url, data=None, **extra):
    """One hostile request: never a 5xx, no planted value in the answer."""
    TALLY["attempts"] += 1
    response = getattr(client, method)(url, data if data is not None else {}, **extra)
    if response.status_code >= 500:
        TALLY["5xx"] += 1
    seen = observed(response).lower()
    # What the attacker sent comes back (the search box, the URL in a redirect): no leak.
    sent = f"{url} {data!r}".lower()
    leaks = [
        value
        for value in planted(world)
        if value.lower() in seen and value.lower() not in sent and quote(value) not in sent
    ]
    TALLY["leaks"] += bool(leaks)
    shown = repr(url)[:120]
    assert response.status_code < 500, f"{method.upper()} {shown}: {response.status_code}"
    assert not leaks, f"{method.upper()} {shown} shows {leaks}"
    return response


def state() -> tuple:
    """What a refused request must leave as it was: statuses, reasons, texts, deciders,
    decisions and their undoing, the reasons and the rules."""
    return (
        list(
            Complaint.objects.order_by("pk").values_list(
                "pk", "status", "rejection_reason", "description_redacted", "moderated_by"
            )
        ),
        list(ModerationDecision.objects.order_by("pk").values_list("pk", "status", "undone_at")),
        list(RejectionReason.objects.order_by("pk").values_list("pk", "name_de", "is_active")),
        list(AutoPublishRule.objects.order_by("pk").values_list("pk", "name", "is_active")),
    )


def status_of(complaint) -> str:
    return Complaint.objects.values_list("status", flat=True).get(pk=complaint.pk)


def staff(group: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def logged_in(user, **options) -> Client:
    client = Client(raise_request_exception=False, **options)
    client.force_login(user)
    return client


@pytest.fixture
def world():
    """A burst of six pending reports sharing the planted keys (the oldest, `target`, holds
    every planted personal value), an outsider, a rejected report, an active and an inactive
    reason, two moderators, a carrier and their clients."""
    start = timezone.now() - datetime.timedelta(hours=2)
    keys = {
        "network_hash": NETWORK_HASH,
        "email_domain_hash": DOMAIN_HASH,
        "description_fingerprint": FINGERPRINT,
        "description_redacted": REDACTED,
    }
    target = ComplaintFactory(
        id=FIRST_PK,
        email=EMAIL,
        description=f"Herr {SECRET_WORD} sagt: seit Wochen bricht das Netz am Bahnhof ab.",
        followup_comment=COMMENT,
        ip_hash=IP_HASH,
        email_confirmed_at=start,
        submitted_at=start,
        **keys,
    )
    burst = [target] + [
        ComplaintFactory(
            id=FIRST_PK + i, submitted_at=start + datetime.timedelta(minutes=i), **keys
        )
        for i in range(1, 6)
    ]
    outsider = ComplaintFactory(
        id=FIRST_PK + 10,
        submitted_at=start + datetime.timedelta(hours=1),
        description_redacted="Ganz anderer Text über den Empfang im Keller des Hauses.",
    )
    # A possible duplicate of the target: its card lists the target beside it.
    Complaint.objects.filter(pk=burst[1].pk).update(duplicate_of=target)
    AutoPublishRule.objects.create(name="Leere Meldungen")
    active = RejectionReason.objects.filter(is_active=True).order_by("position", "pk").first()
    inactive = RejectionReason.objects.create(
        name_de="Veraltet", name_en="Outdated", position=90, is_active=False
    )
    rejected = ComplaintFactory(
        id=FIRST_PK + 11, status=Status.REJECTED, rejection_reason=active, submitted_at=start
    )
    mira = staff("Moderator", "mira")
    mona = staff("Moderator", "mona")
    carla = staff("Carrier", "carla")
    return {
        "target": target,
        "burst": burst,
        "outsider": outsider,
        "rejected": rejected,
        "active": active,
        "inactive": inactive,
        "mira": mira,
        "mona": mona,
        "carla": carla,
        "mod": logged_in(mira),
        "other": logged_in(mona),
        "carrier": logged_in(carla),
        "anon": Client(raise_request_exception=False),
    }


def decision(complaint, verdict="publish", **more) -> dict:
    return {
        "decision": verdict,
        "status_shown": Status.PENDING,
        "description_redacted": complaint.description_redacted,
        "description_redacted_shown": services.redacted_fingerprint(complaint.description_redacted),
        **more,
    }


# The desk


def test_moderator_pages_show_no_personal_data(world):
    """The desk (page and fragment, with the target on its card), the burst pages, the queue,
    the change and history pages, the admins and the index."""
    mod, target = world["mod"], world["target"]
    page = attack(world, mod, "get", DESK)
    assert page.status_code == 200
    assert f'data-complaint="{target.pk}"' in page.content.decode()  # the target is shown
    attack(world, mod, "post", SKIP, {"complaint": "nothing"}, **JS)
    for kind in ("network", "domain", "text"):
        assert attack(world, mod, "get", burst_url(target.pk, kind)).status_code == 200
        attack(world, mod, "get", burst_url(target.pk, kind) + "?confirm=1")
    change = reverse("admin:complaints_complaint_change", args=[target.pk])
    history = reverse("admin:complaints_complaint_history", args=[target.pk])
    for url in [QUEUE, QUEUE + "?status=all", change, history, DECISIONS, REASONS, RULES, INDEX]:
        attack(world, mod, "get", url)


def test_moderator_pages_after_decisions_show_no_personal_data(world):
    """The duplicate's card beside the target, the bulk confirmation pages, and the pages
    after another moderator's decision with a corrected text."""
    mod, target = world["mod"], world["target"]
    change = reverse("admin:complaints_complaint_change", args=[target.pk])
    history = reverse("admin:complaints_complaint_history", args=[target.pk])
    attack(world, mod, "get", DESK)
    # The next card (the target's duplicate) shows the target beside it.
    attack(world, mod, "post", SKIP, {"complaint": target.pk}, **JS)
    card = attack(world, mod, "get", DESK).content.decode()
    assert f'data-complaint="{world["burst"][1].pk}"' in card
    # The confirmation pages of the whole queue, every status.
    before = state()
    for action in ("publish", "reject", "mark_spam"):
        data = bulk([target.pk], action, select_across="1")
        assert attack(world, mod, "post", QUEUE + "?status=all", data).status_code == 200
    assert state() == before
    # Decided by another moderator with a corrected text: the history and the lists after it.
    other = world["other"]
    corrected = decision(target, "reject", reason=world["active"].pk)
    corrected["description_redacted"] = "Korrigiert: das Netz bricht am Bahnhof ab."
    attack(world, other, "post", decide_url(target.pk), corrected, **JS)
    assert status_of(target) == Status.REJECTED
    for url in [change, history, QUEUE + "?status=rejected", INDEX, DESK]:
        attack(world, mod, "get", url)
        attack(world, other, "get", url)


def test_hostile_ids_at_the_desk_change_nothing(world):
    mod, target = world["mod"], world["target"]
    attack(world, mod, "get", DESK)  # the moderator holds the target
    before = state()
    for pk in HOSTILE_IDS:
        for extra in ({}, JS):
            response = attack(world, mod, "post", decide_url(pk), decision(target), **extra)
            # (a "/" in the id leaves the desk's URL for the admin's change page: a redirect)
            assert response.status_code in {200, 302, 303, 400, 404}, (pk, response.status_code)
        attack(world, mod, "post", SKIP, {"complaint": pk}, **JS)
        attack(world, mod, "get", burst_url(pk))
        attack(world, mod, "post", burst_url(pk), {"ids": str(target.pk)})
        attack(world, mod, "get", reverse("admin:complaints_complaint_changelist") + quote(pk))
    assert state() == before


HOSTILE_VALUES = [
    {"decision": "\x00"},
    {"decision": "publish\x00"},
    {"decision": "PUBLISH"},
    {"decision": "published"},
    {"decision": ""},
    {"decision": ONE_MB},
    {"decision": ["maybe", "nope"]},
    {"decision": "reject"},  # without a reason
    {"decision": "reject", "reason": "inactive"},
    {"decision": "reject", "reason": "other-model"},
    {"decision": "reject", "reason": "1 OR 1"},
    {"decision": "reject", "reason": "\x00"},
    {"decision": "reject", "reason": "9" * 20},
    {"decision": "reject", "reason": "-1"},
    {"decision": "reject", "reason": "٩٩٩"},  # Arabic-Indic 999: no reason
    {"decision": "reject", "reason": ONE_MB},
    {"decision": "reject", "reason": ["active", "inactive"]},  # the last one counts
    {"description_redacted": "Text mit \x00 NUL"},
    {"description_redacted": ONE_MB},
    {"decision": "reject", "reason": "active", "description_redacted": ONE_MB},
    {"status_shown": "\x00"},
    {"status_shown": Status.PUBLISHED},
    {"status_shown": ONE_MB},
    {"status_shown": ["pending", "spam"]},
    {"description_redacted": "b" * 3_000_000},  # above DATA_UPLOAD_MAX_MEMORY_SIZE
]


def hostile_data(world, values: dict) -> dict:
    """The target's decision with `values` in it; the words for reasons made ids."""
    reasons = RejectionReason.objects.values_list("pk", flat=True)
    ids = {
        "active": world["active"].pk,
        "inactive": world["inactive"].pk,
        # Another model's id that is no reason's id.
        "other-model": next(
            pk
            for pk in [
                *ProblemType.objects.values_list("pk", flat=True),
                world["mona"].pk,
                world["outsider"].pk,
            ]
            if pk not in reasons
        ),
    }
    reason = values.get("reason")
    if isinstance(reason, list):
        values = {**values, "reason": [ids.get(r, r) for r in reason]}
    elif reason in ids:
        values = {**values, "reason": ids[reason]}
    return decision(world["target"], **{"verdict": "publish", **_renamed(values)})


def _renamed(values: dict) -> dict:
    return {("verdict" if key == "decision" else key): value for key, value in values.items()}


@pytest.mark.parametrize("extra", [{}, JS], ids=["form", "desk.js"])
def test_hostile_decision_values_change_nothing(world, extra):
    mod = world["mod"]
    attack(world, mod, "get", DESK)
    before = state()
    for values in HOSTILE_VALUES:
        data = hostile_data(world, values)
        response = attack(world, mod, "post", decide_url(world["target"].pk), data, **extra)
        assert response.status_code in {200, 303, 400, 413}, (values.keys(), response.status_code)
        assert state() == before, f"changed by {str(values)[:80]}"


def test_undecodable_bytes_in_the_text_change_nothing(world):
    mod, target = world["mod"], world["target"]
    attack(world, mod, "get", DESK)
    before = state()
    fingerprint = services.redacted_fingerprint(target.description_redacted)
    for raw in (b"%FF%FE%FD", b"%C0%80", b"%ED%A0%80", b"%00%00"):
        body = (
            b"decision=publish&status_shown=pending&description_redacted_shown="
            + fingerprint.encode()
            + b"&description_redacted="
            + raw
        )
        response = attack(
            world,
            mod,
            "post",
            decide_url(target.pk),
            body,
            content_type="application/x-www-form-urlencoded",
            **JS,
        )
        assert response.status_code in {200, 400}
    assert state() == before


def test_other_bodies_change_nothing(world):
    """JSON, multipart with a file, and a body of 3,000 fields where a form is expected."""
    mod, target = world["mod"], world["target"]
    attack(world, mod, "get", DESK)
    before = state()
    url = decide_url(target.pk)
    attack(world, mod, "post", url, '{"decision": "publish"}', content_type="application/json")
    upload = SimpleUploadedFile("x.txt", b"publish", content_type="text/plain")
    attack(world, mod, "post", url, {"decision": upload, "status_shown": "pending"})
    many = {f"f{i}": "x" for i in range(3000)}
    for target_url in (url, SKIP, QUEUE, burst_url(target.pk)):
        response = attack(world, mod, "post", target_url, {**many, **decision(target)}, **JS)
        assert response.status_code == 400
    ids = [str(world["target"].pk)] * 3000
    assert attack(world, mod, "post", QUEUE, bulk(ids, confirm="yes")).status_code == 400
    assert state() == before


def test_spellings_of_an_id_reach_that_report_or_none(world):
    """`int()` reads " 7", "7_0", "+7" and other scripts' digits as numbers: such a spelling
    may reach the report it spells, never another one."""
    mod, burst = world["mod"], world["burst"]
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    fullwidth = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
    spellings = {
        burst[1].pk: f" {burst[1].pk} ",
        burst[2].pk: f"{str(burst[2].pk)[:3]}_{str(burst[2].pk)[3:]}",
        burst[3].pk: f"+{burst[3].pk}",
        burst[4].pk: str(burst[4].pk).translate(arabic),
        burst[5].pk: str(burst[5].pk).translate(fullwidth),
    }
    for pk, spelling in spellings.items():
        complaint = Complaint.objects.get(pk=pk)
        attack(world, mod, "post", decide_url(spelling), decision(complaint, "spam"), **JS)
    changed = set(Complaint.objects.exclude(status=Status.PENDING).values_list("pk", flat=True))
    assert changed <= set(spellings) | {world["rejected"].pk}
    assert ModerationDecision.objects.count() <= len(spellings)
    for decided in ModerationDecision.objects.all():
        assert decided.complaint_id in spellings and decided.status == Status.SPAM


def test_a_list_of_decisions_makes_at_most_one(world):
    mod, target = world["mod"], world["target"]
    attack(world, mod, "get", DESK)
    data = decision(target, ["publish", "spam"])
    attack(world, mod, "post", decide_url(target.pk), data, **JS)
    decided = ModerationDecision.objects.filter(complaint=target)
    assert decided.count() <= 1
    assert status_of(target) in {Status.PENDING, Status.PUBLISHED, Status.SPAM}


def test_get_and_other_methods_where_post_is_expected_change_nothing(world):
    mod, target = world["mod"], world["target"]
    before = state()
    for url in (decide_url(target.pk), SKIP, PREVIOUS, UNDO):
        assert attack(world, mod, "get", url, decision(target)).status_code == 405
        for method in ("put", "patch", "delete", "head", "options"):
            assert attack(world, mod, method, url).status_code in {400, 405}
    for method in ("put", "patch", "delete", "options"):
        response = attack(world, mod, method, burst_url(target.pk))
        assert response.status_code in {400, 405}
    attack(world, mod, "get", burst_url(target.pk), {"ids": str(target.pk), "confirm": "1"})
    query = {"action": "publish", ACTION_CHECKBOX_NAME: target.pk, "confirm": "yes", "index": 0}
    attack(world, mod, "get", QUEUE, query)
    assert state() == before


def test_posts_without_csrf_token_change_nothing(world):
    target = world["target"]
    strict = logged_in(world["mira"], enforce_csrf_checks=True)
    attack(world, strict, "get", DESK)
    before = state()
    posts = [
        (decide_url(target.pk), decision(target)),
        (SKIP, {"complaint": target.pk}),
        (PREVIOUS, {}),
        (UNDO, {}),
        (burst_url(target.pk), {"ids": ",".join(str(c.pk) for c in world["burst"])}),
        (
            QUEUE,
            {
                "action": "publish",
                ACTION_CHECKBOX_NAME: [target.pk],
                "confirm": "yes",
                "index": 0,
            },
        ),
        (reverse("admin:complaints_rejectionreason_add"), {"name_de": "x", "name_en": "x"}),
    ]
    for url, data in posts:
        for extra in ({}, JS):
            assert attack(world, strict, "post", url, data, **extra).status_code == 403
    assert state() == before


def test_a_replayed_decision_is_made_once(world):
    mod, target = world["mod"], world["target"]
    attack(world, mod, "get", DESK)
    data = decision(target)
    for _ in range(3):
        attack(world, mod, "post", decide_url(target.pk), data, **JS)
    assert status_of(target) == Status.PUBLISHED
    assert ModerationDecision.objects.filter(complaint=target).count() == 1


def test_a_report_claimed_by_another_moderator_is_left_alone(world):
    mod, other, target = world["mod"], world["other"], world["target"]
    page = attack(world, other, "get", DESK)  # mona holds the oldest: the target
    assert f'data-complaint="{target.pk}"' in page.content.decode()
    before = state()
    for verdict, more in (("publish", {}), ("spam", {}), ("reject", {"reason": 1})):
        more = {"reason": world["active"].pk} if verdict == "reject" else more
        attack(world, mod, "post", decide_url(target.pk), decision(target, verdict, **more), **JS)
    attack(world, mod, "post", SKIP, {"complaint": target.pk}, **JS)  # releases only her own
    assert state() == before
    claimed = Complaint.objects.values_list("desk_claimed_by", flat=True).get(pk=target.pk)
    assert claimed == world["mona"].pk
    mine = attack(world, mod, "get", DESK)  # mira gets another report
    assert f'data-complaint="{target.pk}"' not in mine.content.decode()


def test_undo_does_not_reach_another_moderators_decision(world):
    mod, other, target = world["mod"], world["other"], world["target"]
    attack(world, other, "get", DESK)
    attack(world, other, "post", decide_url(target.pk), decision(target, "spam"), **JS)
    assert status_of(target) == Status.SPAM
    before = state()
    for url in (UNDO, UNDO, PREVIOUS, UNDO):
        for extra in ({}, JS):
            attack(world, mod, "post", url, {"decision": "undo", "complaint": target.pk}, **extra)
    assert state() == before
    # A second session of mira's (another browser) has nothing to undo either.
    attack(world, logged_in(world["mira"]), "post", UNDO, **JS)
    assert state() == before


def test_undo_leaves_a_later_decision_of_another_moderator(world):
    mod, other, target = world["mod"], world["other"], world["target"]
    attack(world, mod, "get", DESK)
    attack(world, mod, "post", decide_url(target.pk), decision(target), **JS)
    again = decision(target, "spam", status_shown=Status.PUBLISHED)
    attack(world, other, "post", decide_url(target.pk), again, **JS)
    assert status_of(target) == Status.SPAM
    before = state()
    attack(world, mod, "post", UNDO, **JS)
    assert state() == before


def test_a_burst_marked_as_spam_is_not_decided_again_by_its_holder(world):
    mod, other, target = world["mod"], world["other"], world["target"]
    attack(world, other, "get", DESK)  # mona holds the target
    ids = ",".join(str(c.pk) for c in world["burst"])
    attack(world, mod, "post", burst_url(target.pk), {"ids": ids})
    assert status_of(target) == Status.SPAM
    before = state()
    attack(world, other, "post", decide_url(target.pk), decision(target), **JS)
    attack(world, other, "post", decide_url(target.pk), decision(target))
    assert state() == before


def test_moderators_cannot_change_reasons_or_rules(world):
    mod, reason = world["mod"], world["active"]
    rule = AutoPublishRule.objects.get()
    before = state()
    editable = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": reason.pk,
        "form-0-position": "1",
        "_save": "Save",
    }
    posts = [
        (REASONS, editable),
        (REASONS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [reason.pk], "post": "yes"}),
        (reverse("admin:complaints_rejectionreason_change", args=[reason.pk]), {"name_de": "x"}),
        (reverse("admin:complaints_rejectionreason_delete", args=[reason.pk]), {"post": "yes"}),
        (reverse("admin:complaints_rejectionreason_add"), {"name_de": "x", "name_en": "x"}),
        (reverse("admin:complaints_autopublishrule_change", args=[rule.pk]), {"is_active": "on"}),
        (RULES, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [rule.pk], "post": "yes"}),
        (reverse("admin:complaints_autopublishrule_add"), {"name": "alles", "is_active": "on"}),
    ]
    for url, data in posts:
        response = attack(world, mod, "post", url, data)
        assert response.status_code in {200, 302, 400, 403}, (url, response.status_code)
    assert state() == before


# Carriers and visitors


def _all_urls(world) -> list[tuple[str, str, dict]]:
    target = world["target"]
    pk = target.pk
    return [
        ("get", DESK, {}),
        ("post", decide_url(pk), decision(target)),
        ("post", SKIP, {"complaint": pk}),
        ("post", PREVIOUS, {}),
        ("post", UNDO, {}),
        ("get", burst_url(pk), {}),
        ("get", burst_url(pk) + "?confirm=1", {}),
        ("post", burst_url(pk), {"ids": ",".join(str(c.pk) for c in world["burst"])}),
        ("get", QUEUE, {}),
        ("get", QUEUE + "?confirmed=yes&reason=1", {}),
        ("post", QUEUE, {"action": "mark_spam", ACTION_CHECKBOX_NAME: [pk], "confirm": "yes"}),
        ("post", QUEUE + "?status=pending", {"action": "publish", "select_across": "1"}),
        ("get", DECISIONS, {}),
        ("get", REASONS, {}),
        ("get", RULES, {}),
        ("post", reverse("admin:complaints_rejectionreason_add"), {"name_de": "x"}),
        ("post", reverse("admin:complaints_autopublishrule_add"), {"name": "x"}),
        ("get", reverse("admin:complaints_complaint_change", args=[pk]), {}),
    ]


@pytest.mark.parametrize("who", ["carrier", "anon"])
def test_carriers_and_visitors_get_nothing(world, who):
    client = world[who]
    attack(world, client, "get", INDEX)
    before = state()
    for method, url, data in _all_urls(world):
        for extra in ({}, JS):
            response = attack(world, client, method, url, data, **extra)
            if who == "anon":
                assert response.status_code == 302, url
                assert "/login/" in response["Location"]
            else:
                assert response.status_code in {403, 404}, (url, response.status_code)
    assert state() == before


def test_the_index_shows_a_carrier_no_counts(world):
    page = attack(world, world["carrier"], "get", INDEX).content.decode()
    assert reverse("admin:complaints_complaint_desk") not in page
    assert "?duplicate=yes" not in page


# Bulk decisions


def bulk(ids, action="publish", **more) -> dict:
    return {"action": action, ACTION_CHECKBOX_NAME: ids, "index": 0, **more}


def shown(page) -> dict:
    """The confirmation page's account of what it showed (shown_count, shown_upto), which
    its "Yes" sends back."""
    found = dict(re.findall(r'name="(shown_count|shown_upto|shown_digest)" value="(-?\w*)"', page))
    assert "shown_count" in found, "no confirmation page"
    return found


def confirmed(world, client, url, data) -> dict:
    """`data` confirmed as a person would: the page first, then its "Yes"."""
    page = attack(world, client, "post", url, data).content.decode()
    return {**data, **shown(page), "confirm": "yes"}


def test_hostile_bulk_posts_change_nothing(world):
    mod, target = world["mod"], world["target"]
    before = state()
    page = attack(world, mod, "post", QUEUE, bulk([target.pk]))  # the confirmation page
    assert page.status_code == 200
    selected = f'name="{ACTION_CHECKBOX_NAME}" value="{world["outsider"].pk}"'
    assert selected not in page.content.decode()
    yes = {**shown(page.content.decode()), "confirm": "yes"}
    assert state() == before
    for data in _hostile_bulk_posts(world, yes):
        response = attack(world, mod, "post", QUEUE, data)
        assert response.status_code in {200, 302, 400}
        assert state() == before, str(data)[:120]
    # Beyond any id: still the one report shown, decided once, no database error.
    attack(world, mod, "post", QUEUE, bulk([target.pk], **{**yes, "shown_upto": "9" * 20}))
    assert set(ModerationDecision.objects.values_list("complaint", flat=True)) <= {target.pk}


def _hostile_bulk_posts(world, yes: dict) -> list[dict]:
    """Confirmations of the target's page (`yes`), each with one thing hostile in it."""
    target, active = world["target"], world["active"]
    return [
        *(bulk([pk], **yes) for pk in HOSTILE_IDS),
        bulk([target.pk, "abc"], **yes),
        bulk([target.pk, "9" * 20], **yes),
        bulk([target.pk], **{**yes, "confirm": "no"}),
        bulk([target.pk], **{**yes, "confirm": ONE_MB}),
        bulk([target.pk], action="reject", **yes),
        bulk([target.pk], action="reject", reason=world["inactive"].pk, **yes),
        bulk([target.pk], action="reject", reason="1 OR 1", **yes),
        bulk([target.pk], action="reject", reason="\x00", **yes),
        bulk([target.pk], action="reject", reason=[active.pk, "x"], **yes),
        bulk([target.pk], action="delete_selected", post="yes", **yes),
        bulk([target.pk], action="publish\x00", **yes),
        bulk([target.pk], action=ONE_MB, **yes),
        bulk([], **yes),
        # (Django reads any select_across but "", "0", "false" as "all": asked once more.)
        bulk([target.pk], select_across="\x00", index="abc"),
        *(
            bulk([target.pk], **{**yes, field: value})
            for field in ("shown_count", "shown_upto")
            for value in ("abc", "1e3", "-" + "9" * 20, "\x00", "", ["1", "2"], "0")
        ),
        bulk([target.pk], **{**yes, "shown_count": "9" * 20}),
        bulk([target.pk], **{**yes, "shown_count": "2"}),
        bulk([target.pk], **{**yes, "shown_upto": str(target.pk - 1)}),
    ]


def test_a_confirmation_decides_no_smuggled_or_absent_id(world):
    mod, burst, outsider, target = world["mod"], world["burst"], world["outsider"], world["target"]
    data = confirmed(world, mod, QUEUE, bulk([burst[1].pk], "mark_spam"))
    # Another pending report, shown on no page, added to the confirmed selection: never
    # decided (at most the one shown is).
    for smuggled in (target.pk, burst[5].pk, outsider.pk):
        more = {**data, ACTION_CHECKBOX_NAME: [burst[1].pk, smuggled]}
        attack(world, mod, "post", QUEUE, more)
        assert status_of(Complaint(pk=smuggled)) == Status.PENDING
        decided = set(ModerationDecision.objects.values_list("complaint", flat=True))
        assert decided <= {burst[1].pk}
    Complaint.objects.filter(pk=burst[1].pk).update(status=Status.PENDING, moderated_by=None)
    ModerationDecision.objects.all().delete()
    # Ids of no pending report beside it: the shown one only.
    absent = [burst[1].pk, 999_999_999, world["mona"].pk, world["rejected"].pk, "0"]
    attack(world, mod, "post", QUEUE, {**data, ACTION_CHECKBOX_NAME: absent})
    assert status_of(burst[1]) == Status.SPAM
    assert status_of(outsider) == Status.PENDING
    assert status_of(world["rejected"]) == Status.REJECTED
    assert ModerationDecision.objects.count() == 1
    # Replayed: nothing changes a second time.
    attack(world, mod, "post", QUEUE, {**data, ACTION_CHECKBOX_NAME: absent})
    assert ModerationDecision.objects.count() == 1


def test_a_report_arriving_after_the_page_is_not_decided_unseen(world):
    mod, outsider = world["mod"], world["outsider"]
    data = confirmed(world, mod, QUEUE, bulk([outsider.pk], "publish", select_across="1"))
    pending = Complaint.objects.filter(status=Status.PENDING)
    shown_pending = set(pending.values_list("pk", flat=True))
    late = ComplaintFactory(id=FIRST_PK + 50)  # a new report, a higher id
    attack(world, mod, "post", QUEUE, data)
    assert status_of(late) == Status.PENDING
    decided = set(ModerationDecision.objects.values_list("complaint", flat=True))
    assert decided <= shown_pending


def test_a_report_back_in_the_queue_after_the_page_is_not_decided_unseen(world):
    """Two moderators at work: mona decided burst[4] and burst[5] at the desk, mira opens the
    confirmation of the whole queue (without them), mona undoes burst[5] and marks the
    target as spam: the same count, another set. Mira's "Yes" must not decide burst[5]."""
    mod, other, burst, target = world["mod"], world["other"], world["burst"], world["target"]
    for complaint in (burst[4], burst[5]):
        other_data = decision(complaint, "spam")
        attack(world, other, "post", decide_url(complaint.pk), other_data, **JS)
    assert status_of(burst[5]) == Status.SPAM
    data = confirmed(world, mod, QUEUE, bulk([target.pk], "publish", select_across="1"))
    attack(world, other, "post", UNDO, **JS)  # burst[5] is pending again
    assert status_of(burst[5]) == Status.PENDING
    attack(world, other, "post", decide_url(target.pk), decision(target, "spam"), **JS)
    attack(world, mod, "post", QUEUE, data)
    assert status_of(burst[5]) == Status.PENDING


FORBIDDEN_SELECT_ACROSS = [
    "?email_confirmed_at__gte=2000-01-01",
    "?email_confirmed_at__isnull=False",
    "?network_hash__startswith=" + NETWORK_HASH[:2],
    "?ip_hash__startswith=" + IP_HASH[:2],
    "?email__contains=leak",
    "?description__contains=" + SECRET_WORD,
    "?reference__startswith=x",
    "?followup_comment__icontains=pflaumen",
    "?description_fingerprint=" + FINGERPRINT,
    "?id__in=1,2",
    "?status=all&reason=1 OR 1",
    "?status=all&reason=%00",
    "?status=all&reason=" + "9" * 20,
    "?status=\x00",
    "?q=" + quote(EMAIL),
    "?q=" + SECRET_WORD,
    "?q=Pflaumenmus",
]


@pytest.mark.parametrize("query", FORBIDDEN_SELECT_ACROSS)
def test_select_across_with_hostile_filters_decides_nothing(world, query):
    mod = world["mod"]
    if "reference" in query:
        query = "?reference__startswith=" + world["target"].reference[:4]
    before = state()
    # What the page would have said of the whole queue: were the filter ignored, "Yes" would
    # decide every pending report.
    pending = sorted(Complaint.objects.filter(status=Status.PENDING).values_list("pk", flat=True))
    everything = {
        "shown_count": len(pending),
        "shown_upto": Complaint.objects.order_by("-pk").values_list("pk", flat=True).first(),
        "shown_digest": digest(pending),
    }
    for action in ("publish", "mark_spam"):
        data = bulk([world["outsider"].pk], action, select_across="1", confirm="yes")
        attack(world, mod, "post", QUEUE + query, {**data, **everything})
    assert state() == before


def test_select_across_keeps_to_the_filters(world):
    """`confirmed=yes` selects the one report with a confirmed address; `confirmed=maybe` is
    the list as it is (its documented meaning) and is not tested for changes."""
    mod, target = world["mod"], world["target"]
    url = QUEUE + "?confirmed=yes&described=yes&imported=no"
    data = confirmed(world, mod, url, bulk([target.pk], "publish", select_across="1"))
    assert data["shown_count"] == "1"
    attack(world, mod, "post", url, data)
    assert status_of(target) == Status.PUBLISHED
    assert Complaint.objects.filter(status=Status.PUBLISHED).count() == 1
    url = QUEUE + f"?status=rejected&reason={world['inactive'].pk}"
    data = confirmed(world, mod, url, bulk([target.pk], "mark_spam", select_across="1"))
    attack(world, mod, "post", url, data)
    assert not Complaint.objects.filter(status=Status.SPAM).exists()


# Hostile query strings on the lists


LIST_QUERIES = [
    "?email_confirmed_at__gte=2000-01-01",
    "?email_confirmed_at__lt=3000-01-01",
    "?network_hash__startswith=" + NETWORK_HASH[:1],
    "?email_domain_hash=" + DOMAIN_HASH,
    "?ip_hash__regex=^a",
    "?reason=1 OR 1",
    "?reason=1&reason=2",
    "?reason=" + "9" * 20,
    "?reason=%00",
    "?reason=\u0661",  # Arabic-Indic 1
    "?confirmed=maybe",
    "?confirmed=%00",
    "?described=" + "y" * 5000,
    "?imported=1 OR 1",
    "?city=%00",
    "?city=" + "9" * 20,
    "?duplicate=yes&status=" + "x" * 3000,
    "?o=email",
    "?o=99",
    "?o=-1.2.abc",
    "?p=-1",
    "?p=" + "9" * 20,
    "?all=&p=abc",
    "?submitted_at__year=99999",
    "?submitted_at__month=%00",
    "?q=%00",
    "?q=" + "x" * 5000,
    "?problems__id__exact=abc",
    "?_changelist_filters=email%3Dleak",
    "?e=1",
]
DECISION_QUERIES = [
    "?complaint__email__startswith=leak",
    "?complaint__reference__startswith=a",
    "?complaint__ip_hash__startswith=a",
    "?complaint__network_hash__startswith=" + NETWORK_HASH[:1],
    "?moderator__password__startswith=pbkdf2",
    "?rule=%00",
    "?rule=" + "x" * 5000,
    "?undone=maybe",
    "?undone=yes&via=%00",
    "?decided_at__gte=yesterday",
    "?decided_at__gte=2000-01-01%00",
    "?status=1 OR 1",
    "?reason__id__exact=abc",
    "?o=complaint__email",
    "?q=leak.me",
    "?p=abc",
]


def test_hostile_query_strings_on_the_lists(world):
    mod, target = world["mod"], world["target"]
    # A decision on the target, so that the decisions' list has its row.
    attack(world, mod, "post", decide_url(target.pk), decision(world["burst"][1]), **JS)
    services.complaints_moderate(
        complaints=Complaint.objects.filter(pk=target.pk),
        status=Status.PUBLISHED,
        moderator=world["mona"],
    )
    before = state()
    organizer = logged_in(staff("Organizer", "olga"))  # the decisions' list is hers
    assert attack(world, mod, "get", DECISIONS).status_code == 403
    assert attack(world, organizer, "get", DECISIONS).status_code == 200
    lists = [(mod, QUEUE, LIST_QUERIES), (organizer, DECISIONS, DECISION_QUERIES)]
    lists.append((mod, DECISIONS, DECISION_QUERIES))
    for client, url, queries in lists:
        for query in queries:
            response = attack(world, client, "get", url + query)
            assert response.status_code in {200, 302, 400, 403, 404}, (query, response.status_code)
    for query in ("?is_active__exact=%00", "?o=abc", "?q=%00", "?is_active__exact=2"):
        attack(world, mod, "get", REASONS + query)
        attack(world, mod, "get", RULES + query)
    assert state() == before


@pytest.mark.parametrize("words", [EMAIL, SECRET_WORD, "Pflaumenmus", "reference"])
def test_searching_personal_data_finds_nothing(world, words):
    """A moderator's search must not tell which report holds an address, a word of the
    original description, the follow-up comment or a reference."""
    mod, target = world["mod"], world["target"]
    words = target.reference if words == "reference" else words
    change = reverse("admin:complaints_complaint_change", args=[target.pk])
    for query in (f"?q={quote(words)}", f"?status=all&q={quote(words)}"):
        page = attack(world, mod, "get", QUEUE + query)
        assert change not in page.content.decode()


# The burst page


def test_hostile_burst_requests_change_nothing(world):
    mod, target = world["mod"], world["target"]
    before = state()
    for kind in ("NETWORK", "network\x00", "hash", "ip", "x" * 3000, "..", "%00", "text "):
        attack(world, mod, "get", burst_url(target.pk, kind))
        response = attack(world, mod, "post", burst_url(target.pk, kind), {"ids": target.pk})
        assert response.status_code in {400, 404}
    hostile_ids = [
        "",
        "abc",
        "1,,2",
        ",",
        "١٢",
        "\uff19",  # fullwidth 9
        "9" * 20,
        "-1",
        f" {target.pk}",
        f"{target.pk}\x00",
        f"{target.pk};{target.pk}",
        ONE_MB,
        ",".join(["1"] * 200_000),
    ]
    for ids in hostile_ids:
        response = attack(world, mod, "post", burst_url(target.pk), {"ids": ids})
        assert response.status_code in {302, 400}, (ids[:20], response.status_code)
    response = attack(world, mod, "post", burst_url(target.pk), {"ids": [target.pk, "abc"]})
    assert response.status_code in {302, 400}
    # A report in no burst.
    outsider = world["outsider"]
    attack(world, mod, "get", burst_url(outsider.pk))
    attack(world, mod, "post", burst_url(outsider.pk), {"ids": outsider.pk})
    assert state() == before


def test_burst_spam_marks_only_the_bursts_pending_reports(world):
    mod, burst, outsider, rejected = (
        world["mod"],
        world["burst"],
        world["outsider"],
        world["rejected"],
    )
    smuggled = [*(c.pk for c in burst), outsider.pk, rejected.pk, 999_999]
    ids = ",".join(map(str, smuggled))
    for _ in range(2):  # replayed: the second marks nothing
        response = attack(world, mod, "post", burst_url(burst[0].pk), {"ids": ids})
        assert response.status_code == 302
    assert status_of(outsider) == Status.PENDING
    assert status_of(rejected) == Status.REJECTED
    assert all(status_of(c) == Status.SPAM for c in burst)
    assert ModerationDecision.objects.count() == len(burst)


def test_zz_tally(world):
    """The tally of the attacks above (this module, in order): never a 5xx, never a leak."""
    attack(world, world["mod"], "get", DESK)  # (so that it counts one when run alone)
    print(
        f"\nmoderation attacks: {TALLY['attempts']} attempts, {TALLY['5xx']} 5xx, "
        f"{TALLY['leaks']} with leaks"
    )
    assert TALLY["attempts"] > 0
    assert TALLY["5xx"] == 0
    assert TALLY["leaks"] == 0
