"""The widgets in Chromium, framed by another site; the page with the snippets, walked to the
end: a person chooses a city, sees the preview, copies the code and pastes it into their own
site, where the widget shows.

The other site is a second server on 127.0.0.1 (the live server is on localhost): another
origin for the browser. A page fulfilled by Playwright's page.route would be one too, but
Chromium counts it as a public site, and its Local Network Access checks then refuse every
frame of the local live server, the widgets included; a real blog and the real site are both
public, so that check does not come into it there.
"""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from complaints.models import Status
from tests.factories import ComplaintFactory
from tests.helpers import release

from .conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_COMBINATION = [("phone", "de"), ("phone", "en"), ("desktop", "de"), ("desktop", "en")]


def world():
    """Berlin: 6 published reports of no data connection (released); 2 pending elsewhere,
    which only the live counter counts."""
    ComplaintFactory.create_batch(
        6, city="Berlin", district="Kreuzberg", status=Status.PUBLISHED, problems=["no-data"]
    )
    ComplaintFactory.create_batch(2, city="Hamburg", status=Status.PENDING)
    release()


class NewsSite(ThreadingHTTPServer):
    """Another site: every path answers with an article holding whatever HTML is pasted."""

    body = ""

    def article(self, body: str) -> str:
        self.body = body
        return f"http://127.0.0.1:{self.server_address[1]}/article"


class _Article(BaseHTTPRequestHandler):
    def do_GET(self):
        html = (
            "<!doctype html><html lang=en><head><title>News</title></head>"
            f"<body><h1>News</h1>{self.server.body}</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(html)))
        self.end_headers()
        self.wfile.write(html)

    def log_message(self, *args):
        pass


@pytest.fixture
def news():
    server = NewsSite(("127.0.0.1", 0), _Article)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def frame_of(page, path: str):
    found = [f for f in page.frames if path in f.url]
    assert len(found) == 1, [f.url for f in page.frames]
    return found[0]


def test_another_site_frames_the_widgets_and_no_other_page(site, page, news):
    world()
    origin = site.url.rstrip("/")
    refused, loaded = [], {}
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    page.on(
        "response", lambda r: loaded.__setitem__(r.url, r) if r.url.startswith(origin) else None
    )
    article = news.article(
        f'<iframe src="{origin}/embed/counter/" width="300" height="170" title="a"></iframe>'
        f'<iframe src="{origin}/embed/berlin/?lang=en" width="300" height="290" title="b"></iframe>'
        f'<iframe src="{origin}/stats/" width="300" height="290" title="c"></iframe>',
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(article)
    page.wait_for_load_state("load")

    counter = frame_of(page, "/embed/counter/")
    expect(counter.get_by_test_id("count")).to_have_text("8")  # 6 published, 2 pending
    expect(counter.locator("html")).to_have_attribute("lang", "de")
    berlin = frame_of(page, "/embed/berlin/")
    expect(berlin.get_by_test_id("count")).to_have_text("6")
    expect(berlin.locator("main")).to_contain_text("published reports")
    expect(berlin.get_by_test_id("problems")).to_contain_text("No data connection")
    # Readable at 300 px: nothing wider than the frame.
    for frame in (counter, berlin):
        assert frame.evaluate("document.documentElement.scrollWidth") <= 300
    # The evaluation page refuses: its frame shows no page of the site.
    # (Chromium names the origin only: one refusal, for the one frame of /stats/.)
    assert len(refused) == 1 and "frame-ancestors 'none'" in refused[0], refused
    stats_frame = page.locator("iframe[title=c]").element_handle().content_frame()
    assert stats_frame.url.startswith("chrome-error:"), stats_frame.url
    assert stats_frame.locator(".brand, main").count() == 0
    # Each widget with its stylesheet is small; it loads nothing else.
    for path in ("/embed/counter/", "/embed/berlin/?lang=en"):
        widget = len(loaded[origin + path].body() + loaded[origin + "/static/css/embed.css"].body())
        assert widget < 10_000, (path, widget)
    # Nothing else is loaded from the site (the refused page's own files never are).
    assert {url.removeprefix(origin) for url in loaded} == {
        "/embed/counter/",
        "/embed/berlin/?lang=en",
        "/static/css/embed.css",
        "/stats/",
    }

    # Dark, as the reader's system asks.
    page.emulate_media(color_scheme="dark")
    dark = counter.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark == "rgb(33, 37, 41)"

    # The link into the site opens in a new tab, on the site.
    with page.context.expect_page() as opened:
        counter.get_by_role("link").click()
    assert opened.value.url == origin + "/"
    opened.value.close()


@pytest.mark.parametrize("person", EVERY_COMBINATION, indirect=True)
def test_a_blogger_copies_a_city_widget_into_their_own_site(person, news):
    page = person
    world()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.site)
    # From the city's page to the embed page.
    page.goto(page.site + "/stats/berlin/")
    with page.expect_navigation():
        page.locator("a[href='/embed/?city=berlin']").click()
    expect(page.locator("#embed-city")).to_have_value("berlin")
    # The person types the city's name again, as they would write it, and asks to see it.
    page.locator("#embed-city").fill("Berlin")
    expect(page.locator("#embed-lang")).to_have_value(page.language)
    with page.expect_navigation():
        page.get_by_test_id("embed-show").click()
    expect(page).to_have_url(re.compile(r"/embed/\?city=Berlin&lang=" + page.language + "$"))

    # The preview is the widget itself.
    page.get_by_test_id("preview-berlin").scroll_into_view_if_needed()
    preview = page.frame_locator("[data-testid=preview-berlin]")
    expect(preview.get_by_test_id("count")).to_have_text("6")
    expect(preview.locator("html")).to_have_attribute("lang", page.language)
    badge = page.get_by_test_id("badge-berlin")
    expect(badge).to_be_visible()
    # Drawn, not a broken image (waited for: the picture may still be on its way).
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 100", arg=badge.element_handle()
    )

    # (Checked before a button is pressed: axe would catch its hover colours mid-transition.)
    if page.device == "desktop" and page.language == "en":
        assert axe_violations(page) == []

    # Copy: the clipboard holds the code shown in the box.
    button = page.get_by_test_id("copy-berlin-frame")
    button.click()
    status = page.locator("[data-embed-copy]", has=button).locator("[data-copy-status]")
    expect(status).to_have_text(button.get_attribute("data-copied"))
    code = page.evaluate("() => navigator.clipboard.readText()")
    assert code == page.get_by_test_id("code-berlin-frame").input_value()
    assert code.startswith(f'<iframe src="{page.site}/embed/berlin/')
    assert ("?lang=en" in code) == (page.language == "en")

    # Pasted into the blogger's own site (another origin): the widget shows there.
    blog = page.context.new_page()
    blog.goto(news.article(f"<p>Our city:</p>{code}"))
    widget = blog.frame_locator("iframe")
    expect(widget.get_by_test_id("count")).to_have_text("6")
    expect(widget.get_by_test_id("city")).to_have_text("Berlin")
    blog.close()
