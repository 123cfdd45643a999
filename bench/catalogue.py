"""What `make bench` runs: each benchmark's script, arguments, figures and targets.

bench/run.py runs them; bench/document.py writes docs/benchmarks.md from their figures.
"""

from dataclasses import dataclass, field


@dataclass
class Figure:
    label: str
    key: str  # a path into the JSON ("100000.export_s")
    unit: str = ""
    target: str = ""  # what the issue asks, in words
    check: object = None  # value -> bool, for "met" / "missed"
    digits: int = 2


@dataclass
class Bench:
    name: str
    script: str
    args: list
    quick_args: list
    runs: int  # how many runs make up the median (at most --runs)
    title: str
    about: str  # data, baseline, what is measured
    figures: list
    notes: str = ""
    extra_args: list = field(default_factory=list)


def below(limit):
    return lambda value: value < limit


def at_least(limit):
    return lambda value: value >= limit


def equals(expected):
    return lambda value: value == expected


BENCHES = [
    Bench(
        "seed_demo",
        "seed_demo.py",
        ["--count", "100000"],
        ["--count", "10000"],
        3,
        "Demo data: `manage.py seed_demo` (issue 2)",
        "100,000 complaints with their problem links. Baseline: PostgreSQL inserting as many "
        "complaint rows and problem links itself (`INSERT ... SELECT FROM generate_series`), "
        "the floor for writing that much data.",
        [
            Figure("baseline: INSERT ... SELECT", "baseline_s", "s"),
            Figure("seed_demo, whole process", "seed_s", "s", "well under a minute", below(60), 1),
            Figure("seed_demo / baseline", "ratio", "x", digits=1),
        ],
        "Most of seed_demo's time is drawing the random complaints in Python and Django "
        "building the INSERT statements (`bulk_create` in batches of 5,000, one transaction).",
    ),
    Bench(
        "places",
        "places.py",
        [],
        ["--rounds", "200"],
        3,
        "Places: `load_places` and matching (issue 3)",
        "The whole German gazetteer (GeoNames and the postal-code data). Baselines: parsing "
        "GeoNames' `cities500.json` (80 MB, the part nothing can skip) for loading; one indexed "
        "database lookup of the same key (a query per submission) for matching. Matching: the "
        "86 messy names of `tests/test_places.py`, 2,000 rounds after warm-up.",
        [
            Figure("baseline: parse cities500.json", "parse_s", "s"),
            Figure("load_places, empty database", "load_empty_s", "s", "seconds", below(60), 1),
            Figure("load_places, again (nothing changed)", "load_again_s", "s", digits=1),
            Figure("index build, once per process", "index_build_s", "s"),
            Figure("match one name", "match_us", "µs", "well under 1 ms", below(1000), 1),
            Figure("baseline: one indexed DB lookup", "lookup_us", "µs", digits=0),
        ],
        "A reload that changes nothing writes nothing; its time is reading the two data sets "
        "and classifying places in Python.",
        extra_args=["--pg", "{pg}"],
    ),
    Bench(
        "stats",
        "stats.py",
        ["--count", "1000000", "--keep"],
        ["--count", "20000", "--keep"],
        3,
        "The evaluation at a million complaints (issue 4)",
        "1,000,000 published complaints from `seed_demo --all-published`, after `VACUUM "
        "ANALYZE` (seeded once, then measured in each run). Baseline: the exact SQL of the "
        "evaluation's GROUP BY queries, captured from the ORM and run on a cursor. Requests "
        "through Django's test client in the same process (no network).",
        [
            Figure("queries per evaluation (rollups)", "rollup_queries", digits=0),
            Figure("baseline: the recount's GROUP BYs, raw SQL", "raw_ms", "ms", digits=0),
            Figure("queries of the recount", "queries", digits=0),
            Figure("recount: GROUP BYs and suppression", "recount_ms", "ms", digits=0),
            Figure(
                "build_evaluation from the rollups (uncached evaluation)",
                "build_ms",
                "ms",
                "under 150 ms",
                below(150),
                1,
            ),
            Figure("a moderation decision, rollups' triggers on", "decision_ms", "ms"),
            Figure("the same decision, triggers off", "decision_untriggered_ms", "ms"),
            Figure(
                "a decision's extra cost",
                "decision_extra_ms",
                "ms",
                "under 2 ms",
                below(2),
            ),
            Figure("check_rollups (recount and compare)", "check_rollups_ms", "ms", digits=0),
            Figure("/stats/ uncached (reads the latest release)", "uncached_ms", "ms", digits=0),
            Figure("/stats/ cached, median of 50", "cached_ms", "ms", "under 10 ms", below(10), 1),
            Figure("/stats/cities.json cached", "cities_json_ms", "ms", digits=1),
        ],
        "A cached view reads one cache key (the published-data version); the evaluation stays "
        "in the process until that version changes. After a moderation action one request "
        "rebuilds while the others serve the previous evaluation (`reports/selectors.py`).",
    ),
    Bench(
        "exports",
        "exports.py",
        ["--sizes", "100000", "1000000"],
        ["--sizes", "10000", "--repeat", "1"],
        1,
        "Carrier export: `export_anonymized` against COPY (issue 5)",
        "`seed_demo --all-published`, after `VACUUM ANALYZE`. Each figure is a process of its "
        "own (so its peak RSS is its own), three times; the baseline is a psycopg client "
        "writing PostgreSQL's `COPY (SELECT * FROM complaints_complaint WHERE status = "
        "'published') TO STDOUT WITH (FORMAT csv, HEADER)` to /dev/null (the table's own "
        "speed, issue 23); the COPY of the export's columns joined and formatted in SQL (the "
        "export's old shape) next to it. Output: CSV (RFC 4180) to /dev/null.",
        [
            Figure("100,000 rows: baseline COPY of the table", "100000.copy_s", "s"),
            Figure("100,000 rows: COPY of the joined columns", "100000.copy_joined_s", "s"),
            Figure("100,000 rows: export_anonymized", "100000.export_s", "s"),
            Figure(
                "100,000 rows: export / COPY", "100000.ratio", "x", "within 2x", lambda v: v <= 2
            ),
            Figure(
                "100,000 rows: peak RSS of the export",
                "100000.export_rss_mb",
                "MB",
                "under 100 MB",
                below(100),
                1,
            ),
            Figure("1,000,000 rows: baseline COPY of the table", "1000000.copy_s", "s"),
            Figure("1,000,000 rows: COPY of the joined columns", "1000000.copy_joined_s", "s"),
            Figure("1,000,000 rows: export_anonymized", "1000000.export_s", "s"),
            Figure(
                "1,000,000 rows: export / COPY",
                "1000000.ratio",
                "x",
                "within 2x",
                lambda v: v <= 2,
            ),
            Figure(
                "1,000,000 rows: peak RSS of the export",
                "1000000.export_rss_mb",
                "MB",
                "under 100 MB, as at 100,000",
                below(100),
                1,
            ),
        ],
        "",
    ),
    Bench(
        "imports",
        "imports.py",
        ["--rows", "100000"],
        ["--rows", "5000"],
        3,
        "Import of a legacy file (issue 5)",
        "A CSV with German headers, semicolons, cp1252, German dates and German problem names, "
        "a third of the rows with an email address, imported as the admin does after the "
        "confirmation (`LegacyComplaintResource.import_data`: every row parsed, validated, "
        "place-matched and redacted; all or nothing). Baselines: the database's floor (the "
        "same finished rows and problem links copied back into the emptied tables with COPY, "
        "indexes, constraints and foreign keys included) and the ORM's (parsing the file and "
        "`bulk_create` of as many bare complaints).",
        [
            Figure("baseline: COPY of the finished rows", "floor_s", "s"),
            Figure("baseline: parse + bare bulk_create", "baseline_s", "s", digits=1),
            Figure("import of 100,000 rows", "import_s", "s", "under 15 s", below(15), 1),
            Figure("import / COPY floor", "ratio_floor", "x", digits=1),
        ],
        "",
    ),
    Bench(
        "redaction",
        "redaction.py",
        [],
        [],
        3,
        "Redaction of personal data in descriptions (issue 16)",
        "The labelled corpus of `tests/redaction_corpus/corpus.jsonl` (369 German texts), each "
        "text redacted five times (the best counts), and descriptions of the form's maximum "
        "length (2,000 characters of corpus texts, dense with personal data). Baseline: the "
        "rules before issue 16, on the same texts in the same run. Recall and precision per "
        "category: [redaction.md](redaction.md) (`manage.py redaction_report`).",
        [
            Figure(
                "personal-data words removed", "rules.recall", "", "at least 98%", at_least(0.98), 3
            ),
            Figure("clean texts unchanged", "rules.clean", "", "at least 98%", at_least(0.98), 3),
            Figure("per description, median", "rules.median_ms", "ms", "under 2 ms", below(2), 3),
            Figure("per description, p99", "rules.p99_ms", "ms", digits=3),
            Figure("2,000 characters, median", "rules.long_median_ms", "ms", digits=2),
            Figure("baseline: old rules, per description", "old.median_ms", "ms", digits=3),
            Figure("baseline: old rules, 2,000 characters", "old.long_median_ms", "ms", digits=2),
            Figure("2,000 characters / old rules", "long_ratio", "x", digits=2),
        ],
    ),
    Bench(
        "desk",
        "desk.py",
        ["--count", "1000000", "--keep"],
        ["--count", "100000", "--decisions", "30", "--baseline", "5"],
        3,
        "The moderation desk at a million complaints (issue 18)",
        "`seed_demo --count 1000000` with its mix of states, all but the newest 5,000 pending "
        "reports then published (a viral week's backlog) and the forensics keys filled in with "
        "intake's grouping (networks, email domains, near-identical texts), after `VACUUM "
        "ANALYZE`; gunicorn as `make serve` runs it, Redis as the cache. Headless Chromium at "
        "1366x768, logged in as a moderator (group Moderator), takes 100 decisions at the desk "
        "with the keyboard in the demo data's proportions (85 publish `p`, 10 reject `r` and "
        "a reason's digit, 5 spam `s`) and 4 skips (`j`) on the way, waiting after each key "
        "for the next card. Requests: those that reached the server after the desk's first "
        "page (not the browser's cache). The server's time: the desk's own `Server-Timing: "
        "desk;dur=`. Baseline, in the same run: 20 other pending reports published the old "
        "way, through the admin's change page (open it, select published, save; the admin "
        "then shows the list), its server time summed from gunicorn's access log (pages, not "
        "static files); the desk's likewise (gunicorn's time, for the comparison). Each run "
        "puts the queue back as it was.",
        [
            Figure(
                "key presses per decision (skips included)",
                "desk.keys_per_decision",
                "",
                "at most 1.2",
                lambda v: v <= 1.2,
            ),
            Figure(
                "requests per decision",
                "desk.requests_per_decision",
                "",
                "at most 1",
                lambda v: v <= 1,
            ),
            Figure("requests per skip", "desk.requests_per_skip", digits=1),
            Figure(
                "requests the server answered, per decision (skips included)",
                "desk.server_requests_per_decision",
            ),
            Figure(
                "server time per decision, median",
                "desk.server_ms_median",
                "ms",
                "under 50 ms",
                below(50),
                1,
            ),
            Figure("server time per decision, p95", "desk.server_ms_p95", "ms", digits=1),
            Figure(
                "time to first byte per decision, median", "desk.ttfb_ms_median", "ms", digits=1
            ),
            Figure("key to next card (browser), median", "desk.browser_ms_median", "ms", digits=0),
            Figure("key to next card (browser), p95", "desk.browser_ms_p95", "ms", digits=0),
            Figure(
                "gunicorn's time per decision, median", "desk.gunicorn_ms_median", "ms", digits=0
            ),
            Figure("baseline: requests per decision", "baseline.requests_per_decision", digits=1),
            Figure("baseline: pages per decision", "baseline.documents_per_decision", digits=1),
            Figure(
                "baseline: gunicorn's time per decision, median",
                "baseline.server_ms_median",
                "ms",
                digits=0,
            ),
            Figure(
                "baseline: open to saved (browser), median",
                "baseline.browser_ms_median",
                "ms",
                digits=0,
            ),
            Figure("baseline / desk: gunicorn's time", "server_ratio", "x", digits=1),
            Figure("baseline / desk: browser time", "browser_ratio", "x", digits=1),
            Figure("machine's load (1-minute average, 2 cores)", "load", digits=1),
        ],
        "",
    ),
]
# Issues 20 and 22's benchmarks, in modules of their own (this one is long enough).
from catalogue_load import LOAD  # noqa: E402
from catalogue_pageweight import PAGEWEIGHT  # noqa: E402 (they use Bench and Figure, above)
from catalogue_plans import EXPORT_PLANS  # noqa: E402

BENCHES.extend([EXPORT_PLANS, PAGEWEIGHT])
# The load benchmark's long entry (catalogue_load.py), in its place before the redaction's.
BENCHES.insert([b.name for b in BENCHES].index("redaction"), LOAD)


def derived(name: str, figures: dict) -> dict:
    """Figures made from others (the load benchmark's checks, the desk's ratios)."""
    if name == "exports" and "10000000" in figures and "1000000" in figures:
        figures["rss_ratio"] = (
            figures["10000000"]["export_rss_mb"] / figures["1000000"]["export_rss_mb"]
        )
    if name == "desk":
        desk, old = figures["desk"], figures["baseline"]
        figures["server_ratio"] = old["server_ms_median"] / desk["gunicorn_ms_median"]
        figures["browser_ratio"] = old["browser_ms_median"] / desk["browser_ms_median"]
    if name == "load" and "spike" in figures:
        spike = figures["spike"]
        spike["errors"] = sum(
            n for status, n in spike["statuses"].items() if int(status) == 0 or int(status) >= 500
        )
        spike["duplicates"] = spike["rows"] - spike["distinct"]
        spike["rss_growth_mb"] = max(
            (w["last"] - w["first"] for w in spike["rss_mb"].values()), default=0
        )
        redis = figures.get("redis_outage")
        if isinstance(redis, dict):  # a string says why it was skipped
            redis["pages_not_200"] = redis["pages_while_down"] - redis["pages_200_while_down"]
        outage = figures.get("outage")  # not run against an existing database (10M)
        if outage:
            outage["partial"] = (
                outage["without_problems"]
                + outage["accepted_not_stored"]
                + outage["stored_not_accepted"]
                + outage["rows"]
                - outage["distinct"]
            )
    return figures
