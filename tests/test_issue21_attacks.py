"""Issue 21's public surfaces attacked as an outsider, a scraper or a hostile site would: the
share cards and their cache, the og tags, the thanks page's share block and reach line, the
Mastodon hand-over (open redirect), the widgets and the badge (framing, cookies, suppression,
hostile place names), bilingual campaign updates and their feeds (XSS), huge queries.
The mail side (following a place, digests, newsletter) is tests/test_issue21_attacks_mail.py.

Figures of the run that wrote this module (pytest -s prints them per class): 396 requests,
0 answers of 500; 0 suppressed counts leaked (cards' text and PNG bytes, og/twitter tags,
widgets, badge with ?city=, the thanks page's reach line; also by differencing Köln's 3
against Bremen's none, de against en, one report more before and after its release); 0
private links or addresses in a share link, og:url, widget, Mastodon hand-over or log line;
0 open redirects out of 41 hostile Mastodon notations and 12 hostile pages; 0 framable
pages besides the two widgets; 0 cookies or CSRF tokens on a widget; card cache bounded (4
keys after 100 varied requests). Holes on this side: none (three on the mail side, fixed since:
tests/test_issue21_attacks_mail.py).
Every case asserts the safe behaviour; a hole is a strict xfail named "HOLE: ..."."""

import collections
import logging
import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.test import Client

from complaints.intake import abuse
from complaints.models import CampaignUpdate, Complaint, Place, Status
from einzelfall import cache_keys
from reports import cards

from .factories import ComplaintFactory, UserFactory
from .helpers import published, release

pytestmark = pytest.mark.django_db
TALLY = collections.Counter()
DIGITS = re.compile(r"\d")


@pytest.fixture(scope="module", autouse=True)
def _tally():
    yield
    print("\nissue 21 web attacks:", dict(sorted(TALLY.items())))


def hit(kind, response):
    TALLY[kind] += 1
    if response.status_code >= 500:
        TALLY[kind + " 500s"] += 1
    assert response.status_code < 500, (kind, response.status_code, response.content[:300])
    return response


@pytest.fixture
def world():
    """Berlin 14 and Hamburg 9 published (Ottensen 2, dropped calls 2), Köln 3 and Kiel 2
    (below K=5), Bremen none."""
    published(8, "Berlin", "Kreuzberg", problems=["no-data"])
    published(6, "Berlin", "Neukölln", problems=["no-data", "sms"])
    published(7, "Hamburg", "Altona", problems=["slow-data"])
    published(2, "Hamburg", "Ottensen", problems=["dropped-calls"])
    published(3, "Köln", problems=["no-signal"])
    published(2, "Kiel", problems=["sms"])  # two hidden cities: Hamburg stays shown
    release()
    cache.set(cache_keys.COUNTER, 2623, 600)


def slug(name):
    return Place.objects.get(kind="city", name=name, merged_into=None).slug


def words(markup):
    """What a reader sees of markup: its text and its readable attributes, without the
    widget's "as of <date and time>" (whose digits are the clock's, not a count)."""
    markup = re.sub(r'<p class="muted small">.*?</p>', " ", markup, flags=re.S)
    said = re.findall(r'(?:content|aria-label|alt|title)="([^"]*)"', markup)
    return " ".join([re.sub(r"<[^>]+>", " ", markup), *said])


def blank(text, *names):
    """A text with the city's name and slug taken out, to compare two cities' outputs."""
    for name in names:
        text = text.replace(name, "CITY").replace(slug(name), "SLUG")
    return re.sub(r'"[0-9a-f]{32}"|[?&]v=[\w-]+', "", text)


# -- suppression: cards, og tags, widgets, badge, thanks page -------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_below_k_city_is_indistinguishable_from_a_city_without_reports(world, lang):
    """Köln (3 published, released) and Bremen (none) look alike in every new output, in
    both languages: the card's text and PNG, the widget, the badge, the og tags."""
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    outputs = {}
    for name in ("Köln", "Bremen"):
        s = slug(name)
        png = hit("card", client.get(f"/stats/{s}/card.png?lang={lang}")).content
        widget = hit("widget", client.get(f"/embed/{s}/?lang={lang}")).content.decode()
        badge = hit("badge", client.get(f"/badge.svg?city={s}&lang={lang}")).content.decode()
        page = hit("page", client.get(f"/stats/{s}/")).content.decode()
        tags = "\n".join(re.findall(r'<meta (?:property|name)="(?:og|twitter):[^>]*>', page))
        outputs[name] = (png, *(blank(words(t), name) for t in (widget, badge, tags)))
        for text in (widget, badge, tags):
            assert not re.search(r"\b3\b", words(text)), (name, text)
    kolner, bremen = outputs["Köln"], outputs["Bremen"]
    assert kolner[1:] == bremen[1:]
    assert len(kolner[0]) > 1000 and len(bremen[0]) > 1000


def test_card_never_draws_a_hidden_cell(world):
    """Hamburg's Ottensen cell (2) and the hidden problem cells never reach the card text."""
    for lang in ("de", "en"):
        from django.utils import translation

        with translation.override(lang):
            text = cards.card_text("city", slug("Hamburg"))
        shown = re.findall(r"\d+", text.drawn + text.description + text.title)
        assert "9" in shown and "2" not in shown, text.drawn
    s = slug("Hamburg")
    for lang in ("de", "en"):
        for path in (f"/embed/{s}/?lang={lang}", f"/badge.svg?city={s}&lang={lang}"):
            seen = words(hit("widget", Client().get(path)).content.decode())
            assert "9" in seen and not re.search(r"(?<![\d.,])2(?![\d.,])", seen), (path, seen)


def test_one_more_report_or_release_changes_no_hidden_city_output(world):
    """Differencing before and after one report (pending or published), before and after
    its release: the hidden city's card, widget and badge stay the same byte for byte."""
    client, s = Client(), slug("Köln")
    urls = [
        f"/stats/{s}/card.png",
        f"/embed/{s}/",
        f"/badge.svg?city={s}",
        f"/stats/{s}/card.png?lang=en",
    ]
    before = [hit("diff", client.get(u)).content for u in urls]
    published(1, "Köln", problems=["no-signal"])
    ComplaintFactory(city="Köln", status=Status.PENDING)
    cache.delete(cache_keys.COUNTER)
    cache.set(cache_keys.COUNTER, 2623, 600)
    after = [hit("diff", client.get(u)).content for u in urls]
    assert before == after
    # A release of that one report (Köln 4, still below K) changes nothing either.
    release()
    released = [hit("diff", client.get(u)).content for u in urls]
    assert released == before


def test_thanks_page_reach_line_never_tells_a_small_count_nor_the_private_link(
    world, valid_report, caplog
):
    """The thanks page of a report from Köln (3 released) reads as one from Bremen (none);
    its share block, og:url and Mastodon form carry the city page only; the private link and
    the address reach no log line, and the page sends no Referer to another site."""
    caplog.set_level(logging.DEBUG)
    pages = {}
    for i, name in enumerate(("Köln", "Bremen")):
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"198.51.100.{i + 1}")
        report = {**valid_report, "city": name, "district": "", "form_stamp": abuse.form_stamp()}
        sent = hit("thanks", client.post("/report/", report))
        assert sent.status_code == 302, sent.content[:500]
        thanks = hit("thanks", client.get(sent["Location"]))
        reference = Complaint.objects.latest("pk").reference
        text = thanks.content.decode()
        assert thanks["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
        reach = re.search(r'data-testid="reach".*?</div>', text, re.S).group(0)
        pages[name] = blank(reach, name)
        share = re.search(r'<section class="share.*?</section>', text, re.S).group(0)
        assert reference not in share and "thanks" not in share
        assert f"/stats/{slug(name)}/" in share
        for tag in re.findall(r"<meta[^>]+og:url[^>]*>", text):
            assert reference not in tag
        for link in re.findall(r'href="(https?://(?!testserver)[^"]+)"', text):
            assert reference not in link
        mastodon = hit(
            "thanks",
            client.get(
                "/share/mastodon/",
                {"instance": "mastodon.social", "page": f"/report/thanks/{reference}/"},
            ),
        )
        assert reference not in mastodon.get("Refresh", "")
        for link in re.findall(
            r'(?:href|action)="(https?://(?!testserver)[^"]+)"', mastodon.content.decode()
        ):
            assert reference not in link
    assert pages["Köln"] == pages["Bremen"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "hamlet@example.org" not in logged
    for c in Complaint.objects.all():
        assert c.reference not in logged


# -- the Mastodon hand-over -----------------------------------------------------------------

HOSTILE_INSTANCES = [
    "evil.example@mastodon.social", "mastodon.social@evil.example", "user:pw@evil.example",
    "https://evil.example", "//evil.example", "evil.example/path", "evil.example:8443",
    "evil.example\\@mastodon.social", "mastodon.social\\.evil.example", "evil%2eexample",
    "evil.example%2F@x.org", "[::1]", "[2001:db8::1]", "127.0.0.1", "0x7f.1", "2130706433",
    "1.2.3.4.", "xn--mstodon-5qf.social", "evil.example#@mastodon.social",
    "evil.example?.mastodon.social", "evil..example", ".evil.example", "-evil.example",
    "evil.example...",
    "evil.example\r\nSet-Cookie: a=b", "evil.example\n", "a" * 300 + ".example",
    "m\u0430stodon.social", "mastodon.soci\u0430l",  # Cyrillic a
    "\uff45\uff56\uff49\uff4c\uff0eexample\u3002com",  # full width, ideographic stop
]  # fmt: skip


@pytest.mark.parametrize("same_origin", [True, False])
def test_mastodon_hand_over_is_no_open_redirect(world, same_origin):
    client = Client()
    headers = {"HTTP_SEC_FETCH_SITE": "same-origin" if same_origin else "cross-site"}
    for instance in HOSTILE_INSTANCES:
        response = hit(
            "mastodon",
            client.get("/share/mastodon/", {"instance": instance, "page": "/stats/"}, **headers),
        )
        refresh = response.get("Refresh", "")
        assert "\n" not in refresh and "\r" not in refresh
        if not same_origin:
            assert not refresh, instance
        if refresh:
            host = re.match(r"0; url=https://([^/]+)/share\?text=", refresh).group(1)
            # Any server name is a Mastodon server; only a plain name, never a user or port.
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host), (instance, host)
            typed = unicodedata.normalize("NFKC", instance).replace("\u3002", ".")
            assert typed.strip().lower().rstrip(".") == host or host.startswith("xn--"), host
            assert "@" not in refresh.split("?")[0]
        else:
            assert response.status_code in (200, 400)
    # A link someone else made, without Sec-Fetch-Site, with a forged Referer of another host.
    response = hit(
        "mastodon",
        client.get(
            "/share/mastodon/",
            {"instance": "mastodon.social", "page": "/stats/"},
            HTTP_REFERER="http://testserver.evil.example/",
        ),
    )
    assert "Refresh" not in response


def test_look_alike_and_address_notations_are_refused(world):
    for instance in [
        "m\u0430stodon.social",
        "xn--mstodon-5qf.social",
        "mastodon.soci\u0430l",
        "127.0.0.1",
        "[::1]",
        "0x7f.1",
        "user@mastodon.social",
        "mastodon.social:443",
        "mastodon.social\\@evil.example",
        "evil%2eexample",
        "a..b",
    ]:
        response = hit(
            "mastodon",
            Client().get(
                "/share/mastodon/", {"instance": instance}, HTTP_SEC_FETCH_SITE="same-origin"
            ),
        )
        assert response.status_code == 400 and "Refresh" not in response, instance


@pytest.mark.parametrize("shared", [
    "//evil.example/", "/\\evil.example", "https://evil.example/stats/", "/stats/?next=//evil",
    "/stats/%2F%2Fevil.example", "/admin/", "/follow/", "/stats/nowhere/", "/stats/#frag",
    "/stats/?carrier=<script>",
    "/stats/\r\nX: y", "/" + "a" * 5000,
])  # fmt: skip
def test_mastodon_shares_only_public_pages(world, shared):
    response = hit(
        "mastodon-page",
        Client().get(
            "/share/mastodon/",
            {"instance": "mastodon.social", "page": shared},
            HTTP_SEC_FETCH_SITE="same-origin",
        ),
    )
    assert "evil" not in response.get("Refresh", "") and "<script>" not in response.content.decode()
    assert "admin" not in response.get("Refresh", "") and "follow" not in response.get(
        "Refresh", ""
    )


# -- framing, cookies, caching of the widgets -----------------------------------------------


def test_only_the_two_widgets_may_be_framed(world):
    client = Client()
    client.force_login(UserFactory(username="staffer", is_staff=True))
    s = slug("Hamburg")
    framed = {"/embed/counter/", f"/embed/{s}/", "/embed/nowhere/", "/embed/counter/?lang=en"}
    others = f"""/ /stats/ /stats/{s}/ /embed/ /follow/ /share/mastodon/ /badge.svg /card.png
    /updates/ /report/ /embed/?city=Hamburg /follow/sent/ /privacy/""".split()
    for path in [*framed, *others]:
        response = hit("framing", client.get(path))
        csp = response.get("Content-Security-Policy", "")
        if path in framed:
            assert "frame-ancestors *" in csp and "X-Frame-Options" not in response
            assert not response.cookies, (path, response.cookies)
            assert "csrfmiddlewaretoken" not in response.content.decode()
            assert "Cookie" not in response.get("Vary", "")
            assert "public" in response["Cache-Control"]
            assert len(response.content) < 10_000
        else:
            assert "frame-ancestors 'none'" in csp and response["X-Frame-Options"] == "DENY", path


# -- hostile names the organizer stored, XSS in updates and feeds ---------------------------

# What the admin lets an organizer store (it turns line breaks into spaces).
HOSTILE_NAME = "Ham<script>alert(1)</script>&\"'<svg onload=x> ]]> \u202e"


def test_hostile_place_name_stays_text_in_badge_widget_card_and_snippets(world):
    s = slug("Hamburg")
    Place.objects.filter(slug=s, kind="city").update(name=HOSTILE_NAME)
    published(1, "Bremen")
    release()
    cache.clear()
    client = Client()
    badge = hit("hostile-name", client.get(f"/badge.svg?city={s}"))
    root = ET.fromstring(badge.content)  # noqa: S314 (our own answer)
    assert not any(el.tag.endswith("script") for el in root.iter())
    for path in (
        f"/embed/{s}/",
        f"/embed/?city={s}",
        f"/stats/{s}/card.png",
        f"/stats/{s}/",
        f"/follow/?city={s}",
    ):
        body = hit("hostile-name", client.get(path)).content.decode(errors="replace")
        assert "<script>alert" not in body and "<svg onload" not in body, path


def test_bilingual_update_text_cannot_inject_markup(world):
    CampaignUpdate.objects.create(
        title="<script>alert('de')</script>",
        title_en="<img src=x onerror=alert(1)>",
        body="<script>alert(1)</script>\n\n[klick](javascript:alert(1))",
        body_en="<svg onload=alert(1)> [x](javascript:alert(2)) [y](data:text/html,x)",
        is_published=True,
    )
    update = CampaignUpdate.objects.get()
    for lang in ("de", "en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=lang)
        for path in (
            "/",
            "/updates/",
            update.get_absolute_url(),
            "/updates/feed/",
            "/updates/rss/",
            f"/updates/feed/?lang={lang}",
        ):
            body = hit("xss", client.get(path)).content.decode()
            for bad in (
                "<script>alert",
                "<img src=x",
                "<svg onload",
                'href="javascript:',
                'href="data:',
            ):
                assert bad not in body, (lang, path, bad)


# -- resource abuse: renders, cache growth, huge queries -------------------------------------


def _card_keys():
    return [k for k in getattr(cache, "_cache", {}) if ":card:" in k]


def test_card_cache_does_not_grow_with_what_a_client_varies(world):
    s = slug("Hamburg")
    client = Client()
    for i in range(25):
        hit(
            "card-cache",
            client.get(
                f"/stats/{s}/card.png", {"v": i, "lang": ["de", "en", "xx", "DE", "en-gb"][i % 5]}
            ),
        )
        hit("card-cache", client.get(f"/stats/{s.upper()}/card.png?v={i}"))
        hit("card-cache", client.get(f"/stats/{s}-{i}/card.png"))
        hit("card-cache", client.get("/card.png", {"v": i, "junk": "x" * i}))
    assert len(_card_keys()) <= 4, _card_keys()


@pytest.mark.parametrize("path", [
    "/badge.svg?city=", "/badge.svg?lang=", "/embed/?city=", "/embed/counter/?lang=",
    "/stats/card.png?lang=", "/follow/?city=", "/share/mastodon/?instance=",
    "/share/mastodon/?page=", "/embed/x/?lang=",
])  # fmt: skip
def test_huge_and_odd_query_strings(world, path):
    client = Client()
    odd = ("a" * 20_000, "%00", "%FF%FE", "\u202e" * 50, "../../etc/passwd", "x&city=y" * 500)
    for value in odd:
        hit("huge-query", client.get(path + value))
    hit("huge-query", client.get("/badge.svg", {"city": ["a", "b"] * 200}))
    hit("huge-query", client.head("/stats/card.png"))
    hit("huge-query", client.post("/badge.svg"))


def test_og_url_and_share_links_drop_what_a_link_carried(world):
    """A shared link with someone's address or a private token in its query: og:url, the
    share block and the card's address keep the page (and a carrier) only."""
    s = slug("Hamburg")
    for path in (f"/stats/{s}/", "/stats/", "/"):
        query = "?email=victim%40example.org&ref=SECRETREF123&carrier=o2&lang=en"
        body = hit("og", Client().get(path + query)).content.decode()
        for tag in re.findall(r"<meta[^>]+(?:og|twitter):[^>]+>", body):
            assert "victim" not in tag and "SECRETREF123" not in tag, tag
        share = re.search(r'<section class="share.*?</section>', body, re.S)
        assert share is None or "SECRETREF123" not in share.group(0)


def test_odd_methods_on_the_new_endpoints():
    paths = [
        "/embed/counter/",
        "/embed/x/",
        "/badge.svg",
        "/card.png",
        "/stats/card.png",
        "/stats/x/card.png",
        "/share/mastodon/",
        "/embed/",
        "/follow/sent/",
    ]
    client = Client()
    for path in paths:
        for method in (client.options, client.put, client.delete, client.patch, client.trace):
            assert hit("methods", method(path)).status_code in (200, 403, 404, 405), (path, method)
        hit("methods", client.head(path + "?city=%FF&lang=%00"))
