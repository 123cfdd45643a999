"""The installable app (issue 22): the manifest, its icons, and the service worker's script,
as a browser fetches them."""

import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import override_settings
from django.utils import translation
from PIL import Image

from einzelfall.assets import STYLESHEETS

pytestmark = pytest.mark.django_db


def manifest(client, query="", language="de"):
    response = client.get("/manifest.webmanifest" + query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


def worker_config(client) -> dict:
    response = client.get("/sw.js")
    match = re.search(r"^var CONFIG = (\{.*\});$", response.content.decode(), re.MULTILINE)
    assert match, "the worker names what it caches in CONFIG"
    return json.loads(match[1])


def test_the_manifest_makes_the_report_form_an_app(client):
    data = manifest(client)
    assert data["start_url"] == "/report/"
    assert data["scope"] == "/"
    assert data["id"] == "/"
    assert data["display"] == "standalone"
    # The brand's colours (static/css/site.css): its accent and the light page.
    assert data["theme_color"] == "#b02a37"
    assert "--ef-accent: #b02a37" in Path(settings.BASE_DIR, "static/css/site.css").read_text()
    assert data["background_color"] == "#ffffff"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert purposes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


@pytest.mark.parametrize(
    ("query", "accept", "lang"),
    [
        ("", "de", "de"),
        ("", "en-GB,en;q=0.9", "en"),
        ("?lang=en", "de", "en"),
        ("?lang=de", "en", "de"),
    ],
)
def test_the_manifest_speaks_the_language_asked_for_and_lang_wins(client, query, accept, lang):
    data = manifest(client, query, accept)
    assert data["lang"] == lang
    with translation.override(lang):
        expected = translation.gettext("Einzelfall: report network problems")
        description = translation.gettext(
            "Report network problems with your mobile carrier, so that together we can show "
            "they are not isolated cases."
        )
    assert data["name"] == expected
    assert data["description"] == description
    assert data["short_name"] == "Einzelfall"
    if lang == "en":
        assert data["name"] == "Einzelfall: report network problems"


def test_the_listed_icons_are_pngs_of_their_stated_size_and_cached(client):
    for icon in manifest(client)["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG"
        assert f"{image.width}x{image.height}" == icon["sizes"]
        # Brand colour to the edges (maskable), white bars in the middle.
        assert image.convert("RGB").getpixel((1, 1)) == (0xB0, 0x2A, 0x37)
        assert (255, 255, 255) in {c for _, c in image.convert("RGB").getcolors(1 << 20)}


@pytest.mark.parametrize("size", [0, 16, 100, 191, 1024, 99999])
def test_other_icon_sizes_are_not_found(client, size):
    assert client.get(f"/pwa/icon-{size}.png").status_code == 404


def test_the_worker_is_served_from_the_root_uncached_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    config = worker_config(client)
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    required = config["required"]
    assert {"/", "/report/", "/manifest.webmanifest", "/pwa/icon-192.png"} <= set(required)
    assert {static(path) for path in STYLESHEETS} <= set(required)
    assert static("js/outbox.js") in required and config["outbox"] == static("js/outbox.js")
    assert config["optional"] == ["/places/centroids.json"]


class _Loads(HTMLParser):
    """What a page loads: scripts, stylesheets, icons, the manifest."""

    def __init__(self):
        super().__init__()
        self.urls = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.add(attrs["src"])
        if tag == "link" and attrs.get("rel") in {"stylesheet", "icon", "manifest"}:
            self.urls.add(attrs["href"])


@pytest.mark.parametrize("path", ["/", "/report/"])
def test_the_worker_caches_everything_the_two_pages_load(client, path):
    """Else the form opens offline without a script or style (a part adding one to the
    report page must add it to complaints/pwa/views.py too)."""
    loads = _Loads()
    loads.feed(client.get(path).content.decode())
    assert loads.urls, "the page loads scripts and stylesheets"
    assert loads.urls <= set(worker_config(client)["required"])


def test_the_worker_never_lists_a_private_or_back_office_address(client):
    body = client.get("/sw.js").content.decode()
    config = worker_config(client)
    cached = config["required"] + config["optional"]
    # Not in its config nor anywhere in its code: a private link is never cached.
    for private in ("/report/thanks/", "/report/confirm/", "/" + settings.ADMIN_URL):
        assert private not in body
    for url in cached:
        assert not url.startswith(("/report/thanks/", "/report/confirm/", "/report/token/"))
        assert not url.startswith("/" + settings.ADMIN_URL)
    assert set(cached) - {"/", "/report/"} == {
        url for url in cached if url.startswith(("/static/", "/pwa/", "/manifest", "/places/"))
    }


def test_the_version_changes_when_a_cached_static_file_changes(client, tmp_path):
    before = worker_config(client)["version"]
    assert worker_config(client)["version"] == before, "stable while nothing changes"
    source = Path(settings.BASE_DIR, "static/css/site.css")
    (tmp_path / "css").mkdir()
    changed = tmp_path / "css" / "site.css"
    shutil.copy(source, changed)
    # Same content from another place: same version.
    with override_settings(STATICFILES_DIRS=[tmp_path, *settings.STATICFILES_DIRS]):
        assert worker_config(client)["version"] == before
        changed.write_text(source.read_text() + "\n.x { color: red; }\n")
        after = worker_config(client)["version"]
    assert after != before
    assert worker_config(client)["version"] == before


def test_the_pages_link_the_manifest_and_register_the_worker_without_inline_script(client):
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="theme-color" content="#b02a37">' in html
    assert static("js/sw-register.js") in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script (CSP)"


@pytest.mark.parametrize("path", ["/", "/report/"])
def test_without_javascript_the_outbox_stays_hidden(client, path):
    html = client.get(path).content.decode()
    assert re.search(r'<section class="outbox" data-outbox hidden', html)


@pytest.mark.parametrize("path", ["/sw.js", "/manifest.webmanifest", "/pwa/icon-192.png"])
def test_head_answers_as_get_without_a_body(client, path):
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == 200, head.status_code
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]


@pytest.mark.parametrize("path", ["/sw.js", "/manifest.webmanifest", "/pwa/icon-192.png"])
def test_a_post_is_not_allowed(client, path):
    response = client.post(path)
    assert response.status_code == 405
    assert "GET" in response["Allow"] and "HEAD" in response["Allow"]
