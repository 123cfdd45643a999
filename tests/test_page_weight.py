"""The report form's first visit weighs at most 60 KB compressed (issue 22).

Everything the page loads on a first visit counts: the HTML, its stylesheets, scripts,
icons, the web app manifest and the icons it names, and the service worker script. Each is
counted gzipped at level 6, as whitenoise stores it (and nginx's gzip for the HTML, see
docs/deploy.md); whitenoise keeps a file uncompressed when gzip saves less than 5%, and so
does the count. What the service worker fetches afterwards (its precache) is not part of the
first visit: it is reported in make bench (bench/pageweight.py).
"""

import gzip
import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

BUDGET = 60 * 1024
LOADED_RELS = {"stylesheet", "icon", "apple-touch-icon", "manifest", "preload", "modulepreload"}


class References(HTMLParser):
    """The URLs a browser fetches for a page while loading it."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rels = set((attrs.get("rel") or "").lower().split())
        if tag == "link" and rels & LOADED_RELS and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag in {"script", "img", "source"} and attrs.get("src"):
            self.urls.append(attrs["src"])


def compressed_size(body: bytes) -> int:
    packed = len(gzip.compress(body, compresslevel=6))
    return packed if packed < len(body) * 0.95 else len(body)


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def first_visit(client, path: str) -> dict[str, int]:
    """Each URL the page loads (same host only: the site asks no other) and its weight."""
    sizes, queue = {}, [path]
    while queue:
        url = queue.pop(0)
        if url in sizes:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = body_of(response)
        sizes[url] = compressed_size(body)
        kind = response.get("Content-Type", "")
        if "html" in kind:
            parser = References()
            parser.feed(body.decode())
            queue += [urljoin(url, u) for u in parser.urls]
        elif "css" in kind:
            queue += [
                urljoin(url, u)
                for u in re.findall(r"""url\(\s*["']?([^"')]+)""", body.decode())
                if not u.startswith("data:")
            ]
        elif "manifest" in kind or url.endswith(".webmanifest"):
            icons = json.loads(body).get("icons", [])
            queue += [urljoin(url, icon["src"]) for icon in icons]
        elif "javascript" in kind:
            # The service worker script is fetched as soon as the page registers it.
            queue += [
                urljoin(url, u)
                for u in re.findall(
                    r"""serviceWorker\.register\(\s*["'`]([^"'`]+)""", body.decode()
                )
            ]
    for url in sizes:
        assert not urlsplit(url).netloc, f"{url}: another host"
    return sizes


def describe(sizes: dict[str, int]) -> str:
    lines = [
        f"{size / 1024:6.1f} KB  {url}" for url, size in sorted(sizes.items(), key=lambda i: -i[1])
    ]
    return (
        f"{sum(sizes.values()) / 1024:.1f} KB in all (budget {BUDGET // 1024} KB):\n"
        + "\n".join(lines)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_report_form_loads_within_60_kb(client, language):
    client.cookies["django_language"] = language
    sizes = first_visit(client, "/report/")
    assert any(url.endswith(".css") for url in sizes), sizes
    assert any(url.endswith(".js") for url in sizes), sizes
    assert sum(sizes.values()) <= BUDGET, describe(sizes)


def test_the_count_follows_what_a_page_references():
    parser = References()
    parser.feed(
        '<link rel="stylesheet" href="/a.css"><link rel="alternate" href="/feed">'
        '<link rel="icon" href="/i.svg"><script src="/s.js"></script><img src="/p.png">'
    )
    assert parser.urls == ["/a.css", "/i.svg", "/s.js", "/p.png"]
    assert compressed_size(b"a" * 1000) < 100
    random_like = bytes(range(256))
    assert compressed_size(random_like) == 256
