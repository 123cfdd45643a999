"""The report form from the dead spot (issue 22), in Chromium on a phone and a desktop, in
German and English: the form opens from the service worker's cache with no network, a report
made there waits on the phone, and is sent once when the network is back.

Headless Chromium does not fire Background Sync: these tests take the `online` event and the
"Send now" button; the worker's sync handler sends through the same outbox code."""

import datetime
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from complaints.models import Complaint

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [("phone", "de"), ("desktop", "en")]


@pytest.fixture
def browser_context_args(browser_context_args):
    """The service worker is what these tests are about (other modules may block it)."""
    return {**browser_context_args, "service_workers": "allow"}


SAVED = "Saved on your phone. It will be sent as soon as you have a connection."


def words(language, msgid):
    with translation.override(language):
        return translation.gettext(msgid)


def installed(page, path="/report/"):
    """The page loaded online once, and the service worker controls it (its cache is full:
    it activates only after the install cached everything).

    The language goes in the language cookie too: Playwright's extra Accept-Language header
    reaches the page's requests, not the worker's, which caches the pages (a real browser
    sends the same header from both)."""
    language = getattr(page, "language", "de")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.site}])
    page.goto(page.site + path)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def fill(page, city="Köln"):
    page.locator("#id_problems_0").check()
    page.locator("#id_city").fill(city)
    page.locator("#id_frequency_1").check()
    page.locator("#id_consent").check()


def forget_offline_failures(page, expected=("/places/suggest/",)):
    """Requests that fail because the test took the network away (the city suggestions; the
    outbox's posts under "lie-fi"), with their console lines, and nothing else."""
    lost = "ERR_INTERNET_DISCONNECTED"
    failed = [p for p in page.watch.problems if p.startswith("failed request") and lost in p]
    assert all(any(path in p for path in expected) for p in failed), failed
    console = [p for p in page.watch.problems if p.startswith("console error") and lost in p]
    assert len(console) <= len(failed), page.watch.problems
    page.watch.problems = [p for p in page.watch.problems if p not in failed + console]


def outbox_item(page):
    return page.evaluate("() => EinzelfallOutbox.all().then(items => items[0] || null)")


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_a_report_made_offline_waits_on_the_phone_and_is_stored_once_back_online(person):
    page = person
    installed(page)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#id_city")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == page.language
    started = timezone.now()
    fill(page)
    page.locator("#submit-id-submit").click()
    status = page.get_by_test_id("outbox-status")
    expect(status).to_have_text(words(page.language, SAVED))
    item = page.get_by_test_id("outbox-item")
    expect(item).to_have_count(1)
    expect(item.get_by_test_id("outbox-state")).to_have_text(
        words(page.language, "Waiting to be sent.")
    )
    expect(item).to_contain_text("Köln")
    assert "@" not in item.inner_text()
    # The form is empty again, with a new client_id, ready for the next report.
    expect(page.locator("#id_city")).to_have_value("")
    kept = outbox_item(page)
    assert page.locator("input[name=client_id]").input_value() != kept["client_id"]
    page.wait_for_timeout(1100)  # made now, arriving later
    assert not Complaint.objects.exists()
    forget_offline_failures(page)

    page.context.set_offline(False)
    link = page.get_by_test_id("outbox-link")
    expect(link).to_be_visible(timeout=15000)
    expect(item.get_by_test_id("outbox-state")).to_contain_text(words(page.language, "Sent."))
    expect(status).to_have_text("")
    complaint = Complaint.objects.get()
    assert str(complaint.client_id) == kept["client_id"]
    assert complaint.made_offline
    assert started <= complaint.observed_at < complaint.submitted_at - datetime.timedelta(seconds=1)
    # The phone's moment, corrected by its clock's error at sending (sent_at): milliseconds.
    made = datetime.datetime.fromisoformat(kept["observed_at"])
    assert abs(complaint.observed_at - made) < datetime.timedelta(seconds=1)
    assert link.get_attribute("href").endswith(complaint.private_url())
    # Sent: the phone keeps the link, not the report's fields.
    assert "fields" not in outbox_item(page)
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(complaint.private_url())
    # The link stays listed (for 24 hours, it says) until the person removes it.
    page.goto(page.site + "/")
    landing_item = page.get_by_test_id("outbox-item")
    expect(landing_item.get_by_test_id("outbox-link")).to_be_visible()
    expect(landing_item.get_by_test_id("outbox-state")).to_contain_text(
        words(page.language, "Shown here for 24 hours after sending.")
    )
    landing_item.get_by_role("button", name=words(page.language, "Remove from this list")).click()
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    page.reload()
    expect(page.get_by_test_id("outbox")).to_be_hidden()


def test_the_same_report_sent_twice_is_stored_once(phone):
    """Two tabs back online at once, the button pressed twice, and the queue's entry posted
    once more after it was stored: one complaint."""
    page = phone
    installed(page)
    page.context.set_offline(True)
    page.reload()
    fill(page, city="Leipzig")
    page.locator("#submit-id-submit").click()
    expect(page.get_by_test_id("outbox-item")).to_have_count(1)
    kept = outbox_item(page)
    second = page.context.new_page()
    second.goto(page.site + "/report/")
    expect(second.get_by_test_id("outbox-item")).to_have_count(1)
    forget_offline_failures(page)

    page.context.set_offline(False)
    # Pressed twice in a row, while both tabs send on the online event.
    page.get_by_test_id("outbox-send").evaluate("button => { button.click(); button.click(); }")
    for tab in (page, second):
        expect(tab.get_by_test_id("outbox-link")).to_be_visible(timeout=15000)
    answer = page.evaluate("item => EinzelfallOutbox.post(item)", kept)
    assert answer["status"] == 200
    assert answer["data"]["outcome"] == "duplicate"
    complaint = Complaint.objects.get()
    assert answer["data"]["private_url"].endswith(complaint.private_url())
    assert str(complaint.client_id) == kept["client_id"]
    second.close()


def test_lie_fi_a_post_that_fails_although_online_is_kept_too(phone):
    """The browser believes it is online, the POST never arrives: the worker keeps the report
    and shows the cached form with it waiting; the button sends it once the network works."""
    page = phone
    installed(page)
    failing = {"on": True}

    def drop_posts(route):
        if route.request.method == "POST" and failing["on"]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.context.route(re.compile(r".*/report/$"), drop_posts)
    page.goto(page.site + "/report/")
    fill(page, city="Rostock")
    started = timezone.now()
    page.locator("#submit-id-submit").click()
    page.wait_for_url(re.compile(r"/report/$"))
    expect(page.get_by_test_id("outbox-status")).to_have_text(words("de", SAVED))
    expect(page.get_by_test_id("outbox-item")).to_contain_text("Rostock")
    assert not Complaint.objects.exists()
    # The form sent online carried no observed_at: the worker kept the moment of the POST.
    observed = datetime.datetime.fromisoformat(outbox_item(page)["observed_at"])
    assert started - datetime.timedelta(seconds=1) <= observed <= timezone.now()
    failing["on"] = False
    page.get_by_test_id("outbox-send").click()
    expect(page.get_by_test_id("outbox-link")).to_be_visible(timeout=15000)
    forget_offline_failures(page, expected=("/report/",))
    complaint = Complaint.objects.get()
    assert complaint.city == "Rostock" and complaint.made_offline


def test_lie_fi_a_post_that_never_answers_is_kept_too(phone, monkeypatch):
    """The POST goes out and nothing ever comes back: after the worker's timeout (15 s,
    2 s here) the report is in the outbox and the cached form shows it waiting."""
    monkeypatch.setattr("complaints.pwa.views.POST_TIMEOUT_MS", 2000)
    page = phone
    installed(page)
    held = []

    def hold_posts(route):
        if route.request.method == "POST":
            held.append(route)  # never answered
        else:
            route.continue_()

    page.context.route(re.compile(r".*/report/$"), hold_posts)
    page.goto(page.site + "/report/")
    fill(page, city="Greifswald")
    page.locator("#submit-id-submit").click()
    page.wait_for_url(re.compile(r"/report/$"), timeout=15000)
    expect(page.get_by_test_id("outbox-status")).to_have_text(words("de", SAVED))
    item = page.get_by_test_id("outbox-item")
    expect(item).to_contain_text("Greifswald")
    expect(item.get_by_test_id("outbox-state")).to_have_text(words("de", "Waiting to be sent."))
    assert held and not Complaint.objects.exists()
    forget_offline_failures(page, expected=("/report/",))


def test_the_landing_page_is_installable(site, playwright, browser_type_launch_args, tmp_path):
    """In a browser profile of its own: Chromium offers no installation in an incognito
    context, which Playwright's contexts are."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args
    )
    try:
        page = context.new_page()
        problems = []
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.goto(site.url + "/")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
        session = context.new_cdp_session(page)
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        manifest = session.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest")
        assert not manifest["errors"]
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("person", PEOPLE, indirect=True)
def test_a_waiting_report_is_accessible(person):
    page = person
    installed(page)
    page.context.set_offline(True)
    page.reload()
    fill(page)
    page.locator("#submit-id-submit").click()
    expect(page.get_by_test_id("outbox-item")).to_have_count(1)
    expect(page.get_by_test_id("outbox-status")).to_be_focused()
    assert axe_violations(page) == []
    forget_offline_failures(page)


CONNECTION = """
Object.defineProperty(Navigator.prototype, "connection", {
  configurable: true, get: () => ({ type: %s, effectiveType: "%s" })
});
"""


@pytest.mark.parametrize(
    ("kind", "effective", "suggested"),
    [
        ('"cellular"', "3g", "3g"),
        ('"cellular"', "slow-2g", "2g"),
        # Desktop Chrome: no type, and "4g" on any fast line (Wi-Fi, cable): no guess.
        ("undefined", "4g", None),
        ('"cellular"', "4g", "4g"),
        ('"wifi"', "3g", None),
        ('"ethernet"', "4g", None),
    ],
)
def test_the_connection_suggests_a_technology_the_person_can_change(
    browse, kind, effective, suggested
):
    page = browse
    page.add_init_script(CONNECTION % (kind, effective))
    # Installed first: the test database is emptied at the end while the worker could still
    # be fetching the pages it caches (SQLite refuses that).
    installed(page)
    note = page.get_by_test_id("technology-suggestion")
    checked = page.locator("input[name=technology]:checked")
    # A speed class, not the radio: nothing is chosen for the person.
    expect(checked).to_have_value("unknown")
    if suggested is None:
        expect(note).to_have_count(0)
        return
    expect(note).to_be_visible()
    radio = page.locator(f"input[name=technology][value='{suggested}']").get_attribute("id")
    name = page.locator(f"label[for={radio}]").inner_text().strip()
    hint = words(
        "de",
        "Your connection's speed suggests {technology}; the speed is only a hint, so check "
        "what your phone shows.",
    )
    expect(note).to_contain_text(hint.replace("{technology}", name))
    choose = note.get_by_test_id("technology-choose")
    expect(choose).to_have_text(words("de", "Choose {technology}").replace("{technology}", name))
    choose.click()
    expect(checked).to_have_value(suggested)
    expect(note).to_be_hidden()
    page.locator("input[name=technology][value='5g']").check()  # still the person's to change
    fill(page, city="Bonn")
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    complaint = Complaint.objects.get()
    assert complaint.technology == "5g" and not complaint.made_offline
    assert complaint.client_id is not None


def test_a_choice_shown_again_is_not_overridden(browse):
    page = browse
    page.add_init_script(CONNECTION % ('"cellular"', "3g"))
    installed(page)
    page.locator("input[name=technology][value='unknown']").check()
    page.locator("#id_city").fill("Bonn")
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()  # no problem chosen: shown again
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.locator("input[name=technology]:checked")).to_have_value("unknown")
    expect(page.get_by_test_id("technology-suggestion")).to_have_count(0)


def forget_refusal(page, status=400):
    """The one refusal (400; 403 for a stale CSRF token; 409) the intake answers on purpose, and
    its console line, nothing else. The page sees it only when the page sent the report: the
    worker may have been first (its Background Sync fires in some Chromium builds)."""
    problems = page.watch.problems
    answer = [p for p in problems if p.startswith(f"HTTP {status}:") and p.endswith("/report/")]
    console = [p for p in problems if f"status of {status}" in p]
    assert len(answer) <= 1 and len(console) == len(answer), problems
    page.watch.problems = [p for p in problems if p not in answer + console]


def make_offline_report(page, city):
    fill(page, city=city)
    page.locator("#submit-id-submit").click()
    expect(page.get_by_test_id("outbox-item").filter(has_text=city)).to_have_count(1)


def test_two_reports_from_one_cached_form_are_both_stored(phone):
    """Both carry the cached form's stamp; the second is refused for a spent stamp, and the
    outbox sends it once more with the fresh stamp the server gives."""
    page = phone
    installed(page)
    page.context.set_offline(True)
    page.reload()
    make_offline_report(page, "Kiel")
    make_offline_report(page, "Lübeck")
    stamps = page.evaluate(
        "() => EinzelfallOutbox.all().then(items => items.map("
        "i => i.fields.find(f => f[0] === 'form_stamp')[1]))"
    )
    assert len(stamps) == 2 and stamps[0] == stamps[1]
    forget_offline_failures(page)
    page.context.set_offline(False)
    expect(page.get_by_test_id("outbox-link")).to_have_count(2, timeout=15000)
    assert sorted(Complaint.objects.values_list("city", flat=True)) == ["Kiel", "Lübeck"]
    forget_refusal(page)


def test_a_refused_report_says_why_and_opens_in_the_form(phone):
    page = phone
    installed(page)
    page.context.set_offline(True)
    page.reload()
    make_offline_report(page, "Erfurt")
    # A month on the phone: older than the site accepts.
    page.evaluate(
        "() => EinzelfallOutbox.all().then(([item]) => {"
        " item.observed_at = new Date(Date.now() - 30 * 86400000).toISOString();"
        " return EinzelfallOutbox.put(item); })"
    )
    forget_offline_failures(page)
    page.context.set_offline(False)
    item = page.get_by_test_id("outbox-item")
    expect(item).to_have_attribute("data-status", "refused", timeout=15000)
    expect(item.locator(".outbox-errors li")).not_to_have_count(0)
    assert not Complaint.objects.exists()
    forget_refusal(page)
    kept = outbox_item(page)
    item.get_by_role("button", name=words("de", "Open in the form")).click()
    expect(page.locator("#id_city")).to_have_value("Erfurt")
    expect(page.locator("#id_consent")).to_be_checked()
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    assert page.locator("input[name=offline]").input_value() == "on"
    # Still on the phone while the form holds it: leaving the page does not lose it.
    assert outbox_item(page)["client_id"] == kept["client_id"]
    page.reload()
    expect(page.get_by_test_id("outbox-item")).to_have_attribute("data-status", "refused")
    # Refused, it waits for the person: the reloaded page does not send it again as it was.
    page.get_by_test_id("outbox-item").get_by_role(
        "button", name=words("de", "Open in the form")
    ).click()
    expect(page.locator("#id_city")).to_have_value("Erfurt")
    with page.expect_navigation():
        page.locator("#submit-id-submit").click()
    page.wait_for_url(re.compile(r"/report/thanks/"))
    complaint = Complaint.objects.get()
    assert complaint.city == "Erfurt" and complaint.made_offline
    assert str(complaint.client_id) == kept["client_id"]
    assert complaint.observed_at >= timezone.now() - datetime.timedelta(minutes=1)
    # Stored from the form: it leaves the outbox.
    page.goto(page.site + "/report/")
    page.wait_for_function(
        "() => EinzelfallOutbox.all().then(items => items.length === 0)", timeout=15000
    )
    expect(page.get_by_test_id("outbox")).to_be_hidden()


def test_a_report_answered_sent_before_stays_on_the_phone(phone):
    """409 sent_before is no stored report: the entry stays, says why, and opens in the form."""
    page = phone
    installed(page)
    page.context.set_offline(True)
    page.reload()
    make_offline_report(page, "Jena")
    forget_offline_failures(page)

    def answer_sent_before(route):
        if route.request.method == "POST":
            route.fulfill(
                status=409,
                content_type="application/json",
                body='{"outcome": "sent_before", "private_url": "/report/thanks/x/"}',
            )
        else:
            route.continue_()

    page.context.route(re.compile(r".*/report/$"), answer_sent_before)
    page.context.set_offline(False)
    item = page.get_by_test_id("outbox-item")
    expect(item).to_have_attribute("data-status", "refused", timeout=15000)
    expect(item.locator(".outbox-errors li")).to_have_text(
        words(
            "de",
            "A report was sent from this browser already. Open this one in the form to check it "
            "and send it.",
        )
    )
    expect(item.get_by_test_id("outbox-link")).to_have_count(0)
    assert dict(outbox_item(page)["fields"])["city"] == "Jena"
    page.context.unroute(re.compile(r".*/report/$"))
    item.get_by_role("button", name=words("de", "Open in the form")).click()
    expect(page.locator("#id_city")).to_have_value("Jena")
    # The one 409 answered on purpose, and its console line, nothing else (the page sees none
    # when the worker sent it; CI's SQLite run had the worker first).
    forget_refusal(page, status=409)


def test_a_report_whose_csrf_token_went_stale_is_sent_with_a_fresh_one(phone):
    """Days on the phone, and the CSRF cookie is gone (cleared, or the browser dropped it):
    the intake refuses the old token (403), the outbox fetches a fresh one and sends once
    more."""
    page = phone
    installed(page)
    page.context.set_offline(True)
    page.reload()
    make_offline_report(page, "Jena")
    forget_offline_failures(page)
    tokens = []

    def count(route):  # the context's routes see the worker's requests too
        tokens.append(route.request.method)
        route.continue_()

    page.context.route(re.compile(r".*/report/token/$"), count)
    page.context.clear_cookies()
    page.context.set_offline(False)
    expect(page.get_by_test_id("outbox-link")).to_be_visible(timeout=15000)
    assert Complaint.objects.get().city == "Jena"
    assert tokens == ["GET"]
    forget_refusal(page, status=403)


def sent_entry(client_id, hours_ago):
    """A sent report in the outbox as the queue leaves it, sent `hours_ago` hours ago."""
    short = client_id[:4]
    return (
        f"() => EinzelfallOutbox.put({{client_id: '{client_id}', status: 'sent',"
        f" created: Date.now(), observed_at: new Date().toISOString(),"
        f" private_url: '/report/thanks/x{short}/',"
        f" sent_at: new Date(Date.now() - {hours_ago} * 3600000).toISOString(),"
        f" summary: {{problems: ['no_signal'], city: 'Halle {short}'}}}})"
    )


def test_a_sent_report_leaves_the_list_24_hours_after_it_was_sent(phone):
    """A shared phone: the next person does not find the private links for ever."""
    page = phone
    installed(page, "/")
    fresh, old = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    page.evaluate(sent_entry(fresh, 23))
    page.evaluate(sent_entry(old, 25))
    page.reload()
    items = page.get_by_test_id("outbox-item")
    expect(items).to_have_count(1)
    expect(items).to_contain_text("Halle 1111")
    ids = page.evaluate("() => EinzelfallOutbox.all().then(all => all.map(i => i.client_id))")
    assert ids == [fresh]  # the old entry is gone from the phone, not only from the list
    # Two hours on, the other one is gone too.
    page.clock.install(time=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2))
    page.reload()
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    assert page.evaluate("() => EinzelfallOutbox.all().then(all => all.length)") == 0


@pytest.mark.parametrize("fast", [True, False])
def test_an_offline_report_from_a_wrong_clock_is_made_when_it_was_made(phone, fast):
    """The phone's clock an hour fast or six days slow: the queue sends its clock as sent_at
    and the server corrects observed_at by the difference.

    Playwright fakes the page's clock only, not the worker's: the worker is unregistered
    first, so that the page (with the faked clock) is what keeps and sends the report."""
    page = phone
    shift = datetime.timedelta(hours=1) if fast else -datetime.timedelta(days=6)
    page.clock.install(time=timezone.now() + shift)
    installed(page)
    page.evaluate(
        "() => navigator.serviceWorker.getRegistrations()"
        ".then(all => Promise.all(all.map(r => r.unregister())))"
    )
    page.context.set_offline(True)
    made = timezone.now()
    make_offline_report(page, "Gera")
    kept = datetime.datetime.fromisoformat(outbox_item(page)["observed_at"])
    assert abs(kept - (made + shift)) < datetime.timedelta(minutes=1)  # the phone's clock
    forget_offline_failures(page)
    page.wait_for_timeout(1500)
    page.context.set_offline(False)
    expect(page.get_by_test_id("outbox-link")).to_be_visible(timeout=15000)
    complaint = Complaint.objects.get()
    assert complaint.city == "Gera" and complaint.made_offline
    assert abs(complaint.observed_at - made) < datetime.timedelta(seconds=30), (
        complaint.observed_at,
        made,
    )
