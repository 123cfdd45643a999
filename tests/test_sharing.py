"""The thanks page that spreads: the city's released numbers, share links to the public city
page (never the private link), and the hand-over to a Mastodon server the person names."""

import dataclasses
import html as htmllib
import random
import re
from itertools import product
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone

from complaints.campaign import sharing
from complaints.models import Status
from reports import selectors
from reports.evaluation import CityRow, unreleased

from .factories import ComplaintFactory
from .helpers import release

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
HAMBURG = "http://testserver/stats/hamburg/"


def published(count, city="Hamburg"):
    return ComplaintFactory.create_batch(count, city=city, district="", status=Status.PUBLISHED)


def thanks(client, complaint, headers=EN) -> str:
    response = client.get(complaint.private_url(), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def block(html: str, testid: str) -> str:
    """The element with that data-testid, to its end (a section or div of the page)."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"', html)
    assert match, f"{testid} not on the page"
    tag = match.group(1)
    end = html.index(f"</{tag}>", match.start())
    return html[match.start() : end]


def text_of(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def share_targets(html: str) -> dict[str, str]:
    """Every address the share block hands on (links, the Web Share data, copy texts),
    unquoted, by what it is."""
    share = block(html, "share")
    found = {
        testid: htmllib.unescape(href)
        for href, testid in re.findall(r'href="([^"]+)"[^>]*data-testid="(share-[\w-]+)"', share)
    }
    for attribute in ("data-share-url", "data-share-text", "data-copy-text"):
        for value in re.findall(rf'{attribute}="([^"]*)"', share):
            found[attribute] = htmllib.unescape(value)
    found["mastodon-page"] = re.search(r'name="page" value="([^"]*)"', share).group(1)
    return {name: unquote(value) for name, value in found.items()}


# -- the thanks page ------------------------------------------------------------------------


def test_every_share_link_on_the_thanks_page_is_the_city_page_never_the_private_link(client):
    published(6)
    release()
    complaint = ComplaintFactory(city="Hamburg", district="Altona")
    html = thanks(client, complaint)
    targets = share_targets(html)
    assert set(targets) >= {
        "share-whatsapp", "share-telegram", "share-x", "share-bluesky", "share-email",
        "share-url", "data-share-url", "data-copy-text", "mastodon-page",
    }  # fmt: skip
    for name, target in targets.items():
        if name not in ("data-share-text", "mastodon-page"):
            assert HAMBURG in target, name
        assert complaint.reference not in target
    assert targets["share-whatsapp"].startswith("https://wa.me/?text=")
    assert targets["share-bluesky"].startswith("https://bsky.app/intent/compose?text=")
    assert targets["share-email"].startswith("mailto:?subject=")
    assert targets["mastodon-page"] == "/stats/hamburg/"
    # The private link is on the page once, where it is offered as such, never in the block.
    assert complaint.reference not in block(html, "share")
    assert "Network problems in Hamburg?" in targets["data-share-text"]
    # Without JavaScript: plain links only, no button that does nothing (the scripts add them).
    share = block(html, "share")
    assert "<div data-copy-link hidden>" in share and 'data-testid="share-native"' not in share
    assert 'src="/static/js/share.js"' in share and "<script>" not in html


def test_the_reach_line_gives_the_released_count_not_the_live_one(client):
    published(6)
    release()
    published(4)  # published since, fewer than a release takes: on no public page yet
    complaint = ComplaintFactory(city="Hamburg")
    reach = text_of(block(thanks(client, complaint), "reach"))
    assert "Hamburg now has 6 published reports." in reach
    assert "Yours is added once it has been checked." in reach
    city_page = client.get("/stats/hamburg/").content.decode()
    assert text_of(block(city_page, "city-count")) == "6"


@pytest.mark.parametrize(("language", "shown"), [("en", "1,234"), ("de", "1.234")])
def test_the_reach_line_formats_the_count_in_the_language(client, monkeypatch, language, shown):
    complaint = ComplaintFactory(city="Hamburg")
    place = complaint.city_place
    row = CityRow(place.pk, place.name, place.slug, None, None, None, None, 1234, False)
    evaluation = dataclasses.replace(unreleased(), released_at=timezone.now(), cities=[row])
    monkeypatch.setattr(selectors, "evaluation", lambda carrier=None: evaluation)
    reach = text_of(block(thanks(client, complaint, {"Accept-Language": language}), "reach"))
    assert shown in reach


@pytest.mark.parametrize("others", [0, 3])
def test_a_city_below_k_gets_no_number_and_no_first(client, others):
    published(others)
    published(6, city="Berlin")
    release()
    complaint = ComplaintFactory(city="Hamburg")
    html = thanks(client, complaint)
    reach = text_of(block(html, "reach"))
    # The city page's words for a city without numbers, not a promise of a threshold (a
    # city may stay hidden above K, to protect another number).
    page = client.get("/stats/hamburg/", headers=EN).content.decode()
    assert text_of(block(html, "reach-count")) == text_of(block(page, "city-count"))
    assert reach.startswith("Too few published reports to show any numbers for this city")
    assert "Share the campaign, so that others in Hamburg report" in reach
    assert "first" not in reach.lower() and not re.search(r"\b[0-46-9]\b", reach)
    # Nothing tells 0 from 3: the page is the same either way, but for its own reference.
    assert HAMBURG in share_targets(html)["share-url"]


def test_an_unknown_place_shares_the_evaluation(client):
    complaint = ComplaintFactory(city="Bärlin", district="")
    assert complaint.city_place is None
    html = thanks(client, complaint)
    assert 'data-testid="reach"' not in html
    targets = share_targets(html)
    assert targets["share-url"] == "http://testserver/stats/"
    assert targets["mastodon-page"] == "/stats/"


def test_a_rejected_report_is_not_asked_to_spread(client):
    complaint = ComplaintFactory(city="Hamburg", status=Status.REJECTED)
    html = thanks(client, complaint)
    assert 'data-testid="share"' not in html and 'data-testid="reach"' not in html


def test_while_redis_is_away_the_thanks_page_offers_sharing_from_the_database(client):
    complaint = ComplaintFactory(city="Bärlin", district="")
    hamburg = ComplaintFactory(city="Hamburg")
    away = {"BACKEND": "einzelfall.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    with override_settings(CACHES={"default": away}):
        unknown, known = thanks(client, complaint), thanks(client, hamburg)
    assert share_targets(unknown)["share-url"] == "http://testserver/stats/"
    assert share_targets(known)["share-url"] == HAMBURG
    # The evaluation is read from the database then (issue 23): none released yet here.
    assert "No evaluation has been released yet." in known
    assert 'href="/stats/hamburg/" data-testid="city-link"' in known


# -- the public pages -----------------------------------------------------------------------


def test_the_stats_and_city_pages_share_their_own_address_with_the_carrier_only(client):
    published(6)
    release()
    stats = share_targets(client.get("/stats/?utm_source=x&carrier=telekom").content.decode())
    assert stats["share-url"] == "http://testserver/stats/?carrier=telekom"
    assert stats["mastodon-page"] == "/stats/?carrier=telekom"
    city = share_targets(client.get("/stats/hamburg/?foo=bar", headers=EN).content.decode())
    assert city["share-url"] == HAMBURG
    assert city["data-share-text"].startswith("Network problems in Hamburg?")
    assert all("utm_source" not in t and "foo" not in t for t in [*stats.values(), *city.values()])


# -- Mastodon -------------------------------------------------------------------------------


def mastodon(client, instance, page="/stats/hamburg/", headers=SAME_SITE):
    return client.get(
        "/share/mastodon/", {"instance": instance, "page": page}, headers={**EN, **headers}
    )


def forwarded_to(response) -> str | None:
    """Where the answer sends the browser on by itself (a Refresh; never a Location)."""
    assert "Location" not in response
    refresh = response.get("Refresh")
    return refresh.removeprefix("0; url=") if refresh else None


def test_mastodon_hands_the_city_page_to_the_named_server(client):
    response = mastodon(client, " Mastodon.Social ")
    assert response.status_code == 200
    assert "<strong>mastodon.social</strong>" in response.content.decode()
    target = urlsplit(forwarded_to(response))
    assert (target.scheme, target.netloc, target.path) == ("https", "mastodon.social", "/share")
    (text,) = parse_qs(target.query)["text"]
    assert text.startswith("Network problems in Hamburg?") and text.endswith(" " + HAMBURG)
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_browser_without_fetch_metadata_is_known_by_its_referer(client):
    response = mastodon(client, "chaos.social", headers={"Referer": "http://testserver/"})
    assert forwarded_to(response).startswith("https://chaos.social/share?text=")


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "none"}, {"Referer": "http://evil/"}, {}],
)
def test_a_link_made_elsewhere_gets_a_page_that_names_the_server_not_a_redirect(client, headers):
    response = mastodon(client, "evil.example", headers=headers)
    assert response.status_code == 200 and forwarded_to(response) is None
    html = response.content.decode()
    assert "<strong>evil.example</strong>" in html
    link = re.search(r'href="([^"]+)"[^>]*data-testid="mastodon-continue"', html).group(1)
    assert htmllib.unescape(link).startswith("https://evil.example/share?text=")


def test_an_international_name_is_sent_as_punycode(client):
    response = mastodon(client, "BÜCHER.example")
    assert forwarded_to(response).startswith("https://xn--bcher-kva.example/share?text=")
    fullwidth = mastodon(client, "ｍａｓｔｏｄｏｎ．ｓｏｃｉａｌ")  # noqa: RUF001
    assert forwarded_to(fullwidth).startswith("https://mastodon.social/share?")


HOSTILE_INSTANCES = [
    "",
    "   ",
    "javascript:alert(1)",
    "https://mastodon.social",
    "mastodon.social/",
    "//evil.example",
    "user@evil.example",
    "@me@mastodon.social",
    "mastodon.social:8443",
    "mastodon.social/share?text=x",
    "mastodon.social\\evil.example",
    "mastodon.social\r\nLocation: https://evil.example",
    "mastodon.social\nevil",
    "mastodon.social#x",
    "mastodon .social",
    "a" * 300,
    ("a" * 63 + ".") * 4 + "de",
    "a" * 64 + ".social",
    "127.0.0.1",
    "0x7f.1",
    "[::1]",
    "::1",
    "2130706433",
    "localhost",
    "social",
    "mast\u043edon.social",  # a Cyrillic o
    "xn--mastdon-4fg.social",  # the same, sent as punycode
    "\u0440\u0430ypal.com",  # a Cyrillic er and a with Latin letters
    "-mastodon.social",
    "mastodon-.social",
    "masto_don.social",
    "mastodon..social",
    ".",
    "xn--.social",
    "mastodon.social\x00",
    "mastodon.social%2f@evil.example",
    "\u202emastodon.social",
    "mastodon\u200b.social",
]


@pytest.mark.parametrize("instance", HOSTILE_INSTANCES)
def test_a_bad_server_name_gets_the_form_again_with_a_message(client, instance):
    response = mastodon(client, instance)
    assert response.status_code == 400 and forwarded_to(response) is None
    html = response.content.decode()
    if "\x00" in instance:
        return  # refused before any view by the site's middleware (complaints/middleware.py)
    error = text_of(block(html, "mastodon-error"))
    assert error and "Traceback" not in html
    assert 'name="instance"' in html and 'value="/stats/hamburg/"' in html


HOSTILE_PAGES = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "javascript:alert(1)",
    "http://testserver/stats/",
    "/stats/nowhere-at-all/",
    "/report/thanks/abcdefghijklmnopqrstuvwxyz012345/",
    "/stats/?next=https://evil.example/",
    "/stats/?carrier=nobody",
    "/stats/?carrier=telekom&carrier=o2",
    "/stats/hamburg/#x",
    "/stats/hamburg/\r\nSet-Cookie: x=1",
    "/admin/",
    "/stats/" + "a" * 400 + "/",
    "/stats/hamburg/../../admin/",
    "/stats/hämburg/",
]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_only_this_sites_evaluation_pages_are_shared(client, path):
    response = mastodon(client, "mastodon.social", page=path)
    assert response.status_code == 400 and forwarded_to(response) is None
    html = response.content.decode()
    assert "Only the pages of this site" in text_of(block(html, "mastodon-error"))
    form = html[html.index("<main") : html.index("</main>")]
    assert "evil.example" not in form and "thanks" not in form  # not offered onwards
    assert 'name="page" value="/stats/"' in form


def random_names(count: int) -> list[str]:
    """Names made of what breaks names: separators, controls, look-alikes, dots (seeded)."""
    rng = random.Random(21)
    alphabet = "ab.-_:/@\\?#%[] \r\n\t\u00e9\u043e\u0430\u200b\u202eXx0"
    return ["".join(rng.choices(alphabet, k=rng.randint(1, 24))) for _ in range(count)]


def test_hostile_attempts_never_redirect_elsewhere_nor_fail(client, capsys):
    """Every bad name with a good page, random names, every bad page with a good name; from
    this site and from elsewhere. The figure is printed for the report."""
    statuses: dict[int, int] = {}
    attempts = [(name, "/stats/hamburg/") for name in [*HOSTILE_INSTANCES, *random_names(100)]]
    good = ["/stats/", "/stats/hamburg/"]
    attempts += [("mastodon.social", page) for page in [*HOSTILE_PAGES, *good]]
    for (instance, page), headers in product(attempts, [SAME_SITE, {"Sec-Fetch-Site": "x"}]):
        response = mastodon(client, instance, page=page, headers=headers)
        target = forwarded_to(response)
        outcome = "forwarded" if target else response.status_code
        statuses[outcome] = statuses.get(outcome, 0) + 1
        if target:
            parts = urlsplit(target)
            assert parts.netloc == sharing.mastodon_host(instance) and parts.path == "/share"
            (text,) = parse_qs(parts.query)["text"]
            assert text.endswith((HAMBURG, "http://testserver/stats/"))
    with capsys.disabled():
        print(f"\nMastodon hand-over: {sum(statuses.values())} attempts, outcomes {statuses}")
    assert 500 not in statuses
    assert statuses["forwarded"] == 2  # the good name with the two good pages, from this site
    assert statuses[200] == 2  # the same from elsewhere: a page that asks


def test_the_form_alone_and_the_host_rules(client):
    response = client.get("/share/mastodon/", headers=EN)
    assert response.status_code == 200
    assert 'name="page" value="/stats/"' in response.content.decode()
    assert sharing.mastodon_host("Mastodon.Social.") == "mastodon.social"
    assert sharing.mastodon_host("xn--bcher-kva.example") == "xn--bcher-kva.example"
    assert sharing.page("/stats/hamburg/?carrier=telekom")[0] == "/stats/hamburg/?carrier=telekom"
