"""Under fire (issues 9 and 23): bench/load.py's entry in the catalogue, in a module of its
own (bench/catalogue.py is long enough)."""

from catalogue import Bench, Figure, at_least, below, equals

LOAD = Bench(
    "load",
    "load.py",
    [],
    ["--quick"],
    2,
    "Under fire: submissions, a spike, an outage (issue 9)",
    "gunicorn as `make serve` runs it (`einzelfall/gunicorn_conf.py`: one worker per core "
    "plus one, 4 threads each, DEBUG off; only `max_requests` is off, so that the same "
    "workers' memory is compared before and after the spike) against a PostgreSQL cluster "
    "of the benchmark's own (a temporary directory) and a Redis of its own; the load "
    "generator (asyncio and aiohttp) runs on the same machine. Each virtual visitor loads "
    "the form once (CSRF cookie and token), then posts reports: a fresh form stamp each, "
    "made with the server's key as the form page makes it, and a client address of its own "
    "through the trusted proxy header, so distinct people are not throttled. Confirmation "
    "mails go to a dummy backend. The floor: a view in `bench/load_urls.py` behind the same"
    " middleware (CSRF included) that does one INSERT of the same row through the ORM. "
    "Throughput: 16 requests in flight for 20 s, floor and form alternately, twice each. "
    "Spike: 60 s at 100 reports per second on schedule (open loop). Outage: 30 reports and "
    "5 page views per second; after 10 s PostgreSQL stops (fast shutdown) for 10 s, then "
    "starts. Redis outage (issue 23): the same load against a Redis of the benchmark's own, "
    "stopped after 10 s for 10 s, then started again, empty.",
    [
        Figure("floor: accepted per second", "throughput.floor_per_s", "/s", digits=0),
        Figure(
            "form: accepted per second",
            "throughput.form_per_s",
            "/s",
            "at least 110/s",
            at_least(110),
            0,
        ),
        Figure(
            "form / floor",
            "throughput.ratio",
            "x",
            "at least 0.5",
            at_least(0.5),
        ),
        Figure("spike: reports sent", "spike.sent", digits=0),
        Figure("spike: latency p50", "spike.p50_ms", "ms", digits=0),
        Figure(
            "spike: latency p99 at 100/s (accepted reports)",
            "spike.p99_ms",
            "ms",
            "under 250 ms",
            below(250),
            0,
        ),
        Figure("spike: 5xx answers", "spike.errors", "", "none", equals(0), 0),
        Figure(
            "spike: sent but not accepted",
            "spike.sent_not_accepted",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "spike: accepted but not stored",
            "spike.accepted_not_stored",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "spike: stored twice",
            "spike.duplicates",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "spike: stored but not accepted",
            "spike.stored_not_accepted",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "spike: worker RSS growth (largest)",
            "spike.rss_growth_mb",
            "MB",
            "flat (under 10 MB)",
            below(10),
            1,
        ),
        Figure("outage: requests while down", "outage.requests_while_down", digits=0),
        Figure(
            "outage: not the 503 page while down",
            "outage.not_friendly",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "outage: slowest answer while down",
            "outage.slowest_answer_while_down_s",
            "s",
            "a few seconds at most",
            below(5),
        ),
        Figure(
            "outage: first stored report after PostgreSQL is started",
            "outage.recovery_s",
            "s",
            "within 5 s",
            below(5),
        ),
        Figure(
            "outage: failures from 5 s after the start",
            "outage.failures_5s_after_start",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "outage: partial or unaccounted rows",
            "outage.partial",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "Redis outage: reports sent while down", "redis_outage.reports_while_down", digits=0
        ),
        Figure(
            "Redis outage: reports refused while down",
            "redis_outage.refused_while_down",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "Redis outage: pages not answered 200 while down",
            "redis_outage.pages_not_200",
            "",
            "none",
            equals(0),
            0,
        ),
        Figure(
            "Redis outage: latency p99 while down (accepted reports)",
            "redis_outage.p99_ms_while_down",
            "ms",
            digits=0,
        ),
        Figure(
            "Redis outage: accepted but not stored",
            "redis_outage.accepted_not_stored",
            "",
            "none",
            equals(0),
            0,
        ),
    ],
    "",
)
