"""HTTP for the programs that read the data (issue 20, part 5): every data URL answers HEAD,
a CORS preflight, conditional requests (ETag and Last-Modified, 304) and refuses other
methods with 405 and Allow; real clients (polars, pandas, urllib) read them over HTTP."""

import datetime
import email.utils
import io
import urllib.error
import urllib.request
from unittest import mock

import feedparser
import pandas
import polars
import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from complaints.models import Complaint, Place, PlaceStatus, Status

from .factories import CampaignUpdateFactory, ComplaintFactory
from .helpers import release
from .test_carrier_public import opened, place, published_statement

pytestmark = pytest.mark.django_db

# The arguments a data URL's pattern may need, by name ("pseudonym": a published report's).
ARGUMENTS = {"slug": "hamburg", "fmt": "json", "pseudonym": None}


def _data_urls(resolver=None, namespace=""):
    """Every URL of the URLconf whose view data_endpoint wraps (complaints/responses.py), so
    that a data URL added later is tested here without a line more: its name and the names
    of its arguments."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _data_urls(entry, inner)
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "data_endpoint", False):
            names = tuple(sorted(entry.pattern.regex.groupindex))
            missing = set(names) - set(ARGUMENTS)
            assert not missing, f"give tests/test_data_http.py an argument for {missing}"
            yield namespace + entry.name, names


DATA_URLS = sorted(set(_data_urls()))


def _url(name: str, arguments: tuple) -> str:
    pseudonym = Complaint.objects.values_list("pseudonym", flat=True).first()
    values = {**ARGUMENTS, "pseudonym": pseudonym}
    return reverse(name, kwargs={n: values[n] for n in arguments})


def test_the_data_urls_are_found_in_the_urlconf():
    # The open data, the statements and the feeds at least; the files and the carrier's API
    # join the list by being wrapped, not by being named here.
    assert {
        "/stats/cities.json",
        "/stats/cities.csv",
        "/stats/hamburg/districts.json",
        "/stats/hamburg/districts.csv",
        "/stats/statements.json",
        "/stats/statements.csv",
        "/updates/feed/",
        "/updates/rss/",
    } <= {
        reverse(name) if not args else _url(name, args)
        for name, args in DATA_URLS
        if set(args) <= {"slug"}
    }


@pytest.fixture
def world(small_gazetteer):
    """Published reports in Hamburg, released; a carrier's statement; a campaign update."""
    for _ in range(6):
        ComplaintFactory(status=Status.PUBLISHED)
    release()
    published_statement(opened(carrier=_carrier(), where=place("hamburg")))
    CampaignUpdateFactory()
    return _api_key()


def _api_key() -> dict:
    """The carrier's API key as a header (the Open311 URLs want one; the others ignore it)."""
    try:
        from complaints.carrier.open311 import keys
    except ImportError:
        return {}
    return {"HTTP_X_API_KEY": keys.make(carrier=_carrier(), name="test").secret}


def _carrier():
    return next(iter(settings.EINZELFALL_CARRIERS))


@pytest.mark.parametrize(("name", "arguments"), DATA_URLS, ids=[n for n, _a in DATA_URLS])
def test_a_data_url_speaks_http_to_programs(client, world, name, arguments):
    client.defaults.update(world)
    url = _url(name, arguments)
    get = client.get(url)
    assert get.status_code == 200, url
    assert get["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in get["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Last-Modified", "Content-Disposition"} <= exposed
    assert get["ETag"].startswith('"')
    # Files of the evaluation and the news are dated; the carrier's API may be (its lists).
    if not name.startswith("open311:") or get.has_header("Last-Modified"):
        _dated(client, url, get)

    # HEAD: the same headers, no body; the length the GET has.
    head = client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    for header in ("ETag", "Content-Type", "Access-Control-Allow-Origin"):
        assert head[header] == get[header], header
    assert int(head["Content-Length"]) == len(get.content)

    # The CORS preflight a browser sends before a conditional fetch.
    preflight = client.options(
        url,
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match, if-modified-since, range",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    allowed = {h.strip().lower() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"if-none-match", "if-modified-since", "range"} <= allowed
    assert int(preflight["Access-Control-Max-Age"]) > 0
    # A plain OPTIONS: the methods.
    assert client.options(url)["Allow"] == "GET, HEAD, OPTIONS"

    # Writing methods: 405, saying what is allowed.
    for method in (client.post, client.put, client.delete, client.patch):
        refused = method(url)
        assert refused.status_code == 405
        assert refused["Allow"] == "GET, HEAD, OPTIONS"

    # Conditional requests by ETag; a HEAD too.
    etag = get["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=f'W/{etag}, "other"').status_code == 304
    assert client.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    # A byte range, as polars and DuckDB read: the part, and its place in the whole.
    part = client.get(url, HTTP_RANGE="bytes=1-4")
    assert part.status_code == 206
    assert part.content == get.content[1:5]
    assert part["Content-Range"] == f"bytes 1-4/{len(get.content)}"
    assert client.get(url, HTTP_RANGE="bytes=999999999-").status_code == 416


def _dated(client, url, get):
    """Last-Modified and If-Modified-Since, and If-None-Match winning over the date."""
    date = get["Last-Modified"]
    modified = email.utils.parsedate_to_datetime(date)
    assert modified <= timezone.now()
    assert client.head(url)["Last-Modified"] == date
    unchanged = client.get(url, HTTP_IF_MODIFIED_SINCE=date)
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == get["ETag"]
    assert unchanged["Last-Modified"] == date
    assert unchanged.content == b""
    earlier = email.utils.format_datetime(modified - datetime.timedelta(seconds=1), usegmt=True)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200
    other = client.get(url, HTTP_IF_NONE_MATCH='"other"', HTTP_IF_MODIFIED_SINCE=date)
    assert other.status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE="not a date").status_code == 200


def _released_an_hour_ago():
    """A release made earlier (HTTP dates count whole seconds: a test's own steps share one)."""
    earlier = timezone.now() - datetime.timedelta(hours=1)
    # The places were loaded before it (the files' Last-Modified counts their changes too).
    Place.objects.update(changed_at=earlier - datetime.timedelta(hours=1))
    with mock.patch("django.utils.timezone.now", return_value=earlier):
        return release()


def test_the_open_data_is_as_new_as_the_release(client, small_gazetteer):
    for _ in range(6):
        ComplaintFactory(status=Status.PUBLISHED)
    first = _released_an_hour_ago()
    response = client.get("/stats/cities.csv")
    assert email.utils.parsedate_to_datetime(
        response["Last-Modified"]
    ) == first.released_at.replace(microsecond=0)
    date = response["Last-Modified"]
    for _ in range(6):
        ComplaintFactory(status=Status.PUBLISHED)
    release()
    # The next release changed the numbers: a client that asks by date gets them.
    assert client.get("/stats/cities.csv", HTTP_IF_MODIFIED_SINCE=date).status_code == 200


def test_a_status_recorded_today_is_never_hidden_by_a_304(client, small_gazetteer):
    for _ in range(6):
        ComplaintFactory(status=Status.PUBLISHED)
    _released_an_hour_ago()
    date = client.get("/stats/cities.json")["Last-Modified"]
    PlaceStatus.objects.create(place=place("hamburg"), status=PlaceStatus.Kind.ACKNOWLEDGED)
    from django.core.cache import cache

    cache.clear()  # the statuses' cache entry, as the admin's save clears it
    changed = client.get("/stats/cities.json", HTTP_IF_MODIFIED_SINCE=date)
    assert changed.status_code == 200
    assert b"acknowledged" in changed.content


def test_the_statements_are_as_new_as_the_newest_statement(client, small_gazetteer):
    statement = published_statement(opened(carrier=_carrier(), where=place("hamburg")))
    response = client.get("/stats/statements.csv")
    assert email.utils.parsedate_to_datetime(response["Last-Modified"]) == (
        statement.published_at.replace(microsecond=0)
    )


def test_the_atom_feed_names_its_authors_and_is_valid(client, world):
    body = client.get("/updates/feed/").content
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.author == "Einzelfall"
    authors = {entry.author for entry in feed.entries}
    # The campaign signs its update, the carrier its statement.
    assert authors == {"Einzelfall", settings.EINZELFALL_CARRIERS[_carrier()]}
    rss = feedparser.parse(client.get("/updates/rss/").content)
    assert rss.bozo == 0
    assert all(entry.get("author") for entry in rss.entries)


# -- real clients over HTTP ------------------------------------------------------------------


@pytest.fixture
def served(live_server, migrated_data, small_gazetteer):
    """The live server (a thread; transactional: it sees only committed data)."""
    for _ in range(6):
        ComplaintFactory(status=Status.PUBLISHED, postal_code="22765")
    release()
    return live_server.url


def test_real_clients_read_the_files_over_http(served):
    url = served + "/stats/cities.csv"
    # polars asks HEAD first, then GET; pandas through urllib.
    frame = polars.read_csv(url)
    assert frame["city"].to_list() == ["Hamburg"]
    assert frame["complaints"].to_list() == [6]
    table = pandas.read_csv(url)
    assert table["city"].tolist() == ["Hamburg"]
    districts = pandas.read_json(served + "/stats/hamburg/districts.json", typ="series")
    assert districts["city"] == "Hamburg"

    # urllib, as a nightly job would: the second fetch by date is a 304.
    with urllib.request.urlopen(url) as first:  # noqa: S310 the live server
        modified = first.headers["Last-Modified"]
        assert first.read().startswith(b"city,")
    again = urllib.request.Request(url, headers={"If-Modified-Since": modified})  # noqa: S310
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(again)  # noqa: S310
    assert not_modified.value.code == 304
    head = urllib.request.Request(url, method="HEAD")  # noqa: S310
    with urllib.request.urlopen(head) as answer:  # noqa: S310
        assert answer.read() == b""
        assert int(answer.headers["Content-Length"]) > 0
    feed = feedparser.parse(io.BytesIO(urllib.request.urlopen(served + "/updates/feed/").read()))  # noqa: S310
    assert feed.bozo == 0


def test_duckdb_reads_the_csv_over_http(served):
    duckdb = pytest.importorskip("duckdb")
    try:
        duckdb.sql("LOAD httpfs")
    except duckdb.Error:
        # httpfs is a download from DuckDB's own host (not a registry package for this
        # DuckDB version); without it DuckDB reads no URL at all.
        pytest.skip("DuckDB's httpfs extension is not installed (it cannot be downloaded here)")
    url = served + "/stats/cities.csv"
    rows = duckdb.execute("SELECT city, complaints FROM read_csv(?)", [url])
    assert rows.fetchall() == [("Hamburg", 6)]
