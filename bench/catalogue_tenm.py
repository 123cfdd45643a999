"""make bench SIZE=10m: the ten-million variants of the catalogue's entries (catalogue.py)."""

from catalogue import BENCHES, Figure

# make bench SIZE=10m: the benchmarks whose cost may grow with the reports, at ten million
# (bench/_db.py copies a seeded million in SQL). Their figures go to docs/benchmarks-10m.md.
TEN_MILLION = 10_000_000
SHARED_10M = "einzelfall_bench_10m"  # stats and exports share it (BENCH_SHARED_DB)
DESK_10M = "einzelfall_bench_10m_desk"  # the desk's mix of states, a database of its own
SEEDED_10M = (
    "1,000,000 complaints from `seed_demo` (31 s per 100,000; the 1M export's database, "
    "copied as a template when it exists), copied nine times in SQL (`bench/_db.py`: "
    "`INSERT ... SELECT` of the complaints and their problem links with fresh references, "
    "pseudonyms and client ids, loaded as `pg_restore` loads a dump: secondary indexes built "
    "after the copies, triggers off while copying, the rollups then refilled from one "
    "recount), then released through the triggers, `VACUUM ANALYZE` and "
    "`manage.py check_rollups`. "
)


def _export_figures(sizes: list[int]) -> list:
    figures = []
    for size in sizes:
        rows = f"{size:,} rows"
        figures += [
            Figure(f"{rows}: baseline COPY of the table", f"{size}.copy_s", "s"),
            Figure(f"{rows}: COPY of the joined columns", f"{size}.copy_joined_s", "s"),
            Figure(f"{rows}: export_anonymized", f"{size}.export_s", "s"),
            Figure(f"{rows}: export / COPY", f"{size}.ratio", "x", "within 2x", lambda v: v <= 2),
            Figure(f"{rows}: peak RSS of the export", f"{size}.export_rss_mb", "MB", digits=1),
        ]
    return figures


def ten_million() -> list:
    """The ten-million variants of the catalogue's entries (same scripts and figures)."""
    from dataclasses import replace

    by_name = {bench.name: bench for bench in BENCHES}
    stats, exports, desk, load = (by_name[n] for n in ("stats", "exports", "desk", "load"))
    million = 1_000_000
    return [
        replace(
            stats,
            args=["--count", str(TEN_MILLION), "--keep"],
            runs=3,
            title="The evaluation at ten million complaints (issue 23)",
            about=SEEDED_10M + stats.about.split(". ", 1)[1],
        ),
        replace(
            exports,
            args=["--sizes", str(million), str(TEN_MILLION), "--repeat", "1", "--keep"],
            title="Carrier export at ten million complaints (issue 23)",
            about=f"1,000,000 rows: `seed_demo --all-published`; 10,000,000: {SEEDED_10M}"
            + exports.about.split(". ", 1)[1].replace("three times", "once"),
            figures=[
                *_export_figures([million, TEN_MILLION]),
                Figure(
                    "peak RSS: 10,000,000 / 1,000,000 rows",
                    "rss_ratio",
                    "x",
                    "within 1.1x (memory flat)",
                    lambda v: v <= 1.1,
                ),
            ],
        ),
        replace(
            desk,
            args=["--count", str(TEN_MILLION), "--keep", "--db", DESK_10M],
            runs=1,
            title="The moderation desk at ten million complaints (issue 23)",
            about=desk.about.replace(
                "`seed_demo --count 1000000`",
                "`seed_demo --count 1000000` copied to 10,000,000 (`bench/_db.py`)",
            ),
        ),
        replace(
            load,
            extra_args=["--database-url", "{pg}/" + SHARED_10M, "--phases", "throughput,spike"],
            runs=1,
            title="The form against the floor at ten million complaints (issue 23)",
            about="Against the ten-million database of the evaluation and the export (run "
            "after them; `--database-url`), on the machine's PostgreSQL, so both the form and "
            "the floor insert into a table of 10,000,000 rows with all its indexes; "
            "throughput and spike only (the outages stop a cluster of the benchmark's own). "
            + load.about,
            figures=[f for f in load.figures if f.key.startswith(("throughput.", "spike."))],
        ),
    ]
