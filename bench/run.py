"""make bench: every benchmark in bench/ on PostgreSQL, and docs/benchmarks.md rewritten.

Usage: .venv/bin/python bench/run.py [--runs 3] [--only NAME ...] [--pg URL] [--quick]
                                     [--size 1m|10m] [--keep-databases]

Each benchmark script (bench/catalogue.py lists them) runs --runs times (the slow ones fewer)
and writes its figures as JSON; bench/document.py takes the median and the spread (lowest to
highest) of each figure over the runs, puts every target next to its figure, and writes
docs/benchmarks.md with the machine it ran on. Not part of make test: it takes about half an
hour.

--quick: small sizes and one run each, to try the whole chain (the document then says so).

--size 10m (`make bench SIZE=10m`): the evaluation, the export (and its 1M run, for the
memory), the desk and the form at 10,000,000 complaints, written to docs/benchmarks-10m.md.
The 10M databases (bench/_db.py copies a seeded million in SQL; about 10 GB each) are
dropped at the end unless --keep-databases. Sections of the document that a run does not
write (written by hand, or of benchmarks not run and not stored) are kept where they were.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from catalogue import BENCHES, Bench, derived
from catalogue_tenm import DESK_10M, SHARED_10M, TEN_MILLION, ten_million
from document import render

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
DOC_10M = ROOT / "docs" / "benchmarks-10m.md"
# Free disk asked for before the ten-million run: two databases of about 10 GB and the
# export's 1M database, with room for VACUUM and the WAL.
FREE_GB_10M = 40


def _command(bench: Bench, quick: bool, pg: str, path: str) -> list[str]:
    args = [a.replace("{pg}", pg) for a in bench.extra_args]
    args += bench.quick_args if quick else bench.args
    if "--pg" not in args and bench.name != "load":
        args += ["--pg", pg]
    return [sys.executable, str(BENCH / bench.script), *args, "--json", path]


def run_bench(bench: Bench, runs: int, quick: bool, pg: str) -> tuple[list, list]:
    samples, failures = [], []
    count = 1 if quick else min(runs, bench.runs)
    for n in range(count):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
            path = out.name
        command = _command(bench, quick, pg, path)
        print(f"== {bench.name} run {n + 1}/{count}: {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT)
        print(f"   {time.monotonic() - started:.0f} s", flush=True)
        if result.returncode != 0:
            failures.append(f"run {n + 1} failed (exit {result.returncode})")
            continue
        samples.append(derived(bench.name, json.loads(Path(path).read_text())))
        os.unlink(path)
    # The runs share one seeded database (--keep); dropped after the last. (The ten-million
    # databases have other names: dropped at the end of make bench, several benchmarks use them.)
    kept = {"stats": "einzelfall_bench_stats", "desk": "einzelfall_bench_desk"}
    if bench.name in kept and "--keep" in (bench.quick_args if quick else bench.args):
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"from _db import drop_database; drop_database({pg!r}, {kept[bench.name]!r})",
            ],
            cwd=BENCH,
        )
    return samples, failures


def arguments():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES])
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", choices=["1m", "10m"], default="1m")
    parser.add_argument(
        "--keep-databases",
        action="store_true",
        help="keep the ten-million databases for another run (--size 10m)",
    )
    parser.add_argument("--out")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="write the document again from the stored figures (after editing bench/notes.md)",
    )
    args = parser.parse_args()
    if args.out is None:
        args.out = str(DOC_10M if args.size == "10m" else DOC)
    if args.size == "10m" and args.only:
        unknown = set(args.only) - {b.name for b in ten_million()} - {"-"}
        if unknown:
            parser.error(f"not in the ten-million run: {', '.join(sorted(unknown))}")
    if args.render_only:
        args.only = ["-"]  # run nothing
    return args


def run(args, stored: dict, benches: list) -> tuple[dict, dict]:
    """Every benchmark asked for runs; the others keep their stored figures (`--only`)."""
    results, ran = {}, {}
    for bench in benches:
        if args.only and bench.name not in args.only:
            if bench.name in stored:
                old = stored[bench.name]
                results[bench.name] = (old["samples"], old["failures"], old["date"])
            continue
        samples, failures = run_bench(bench, args.runs, args.quick, args.pg)
        ran[bench.name] = results[bench.name] = (
            samples,
            failures,
            datetime.date.today().isoformat(),
        )
    return results, ran


def ten_million_setup(args) -> list:
    """The ten-million run's benchmarks; its databases shared between them, disk checked."""
    free = shutil.disk_usage(ROOT).free / 1e9
    if free < FREE_GB_10M and args.only != ["-"]:
        raise SystemExit(f"{free:.0f} GB free; the ten-million run needs about {FREE_GB_10M}")
    os.environ["BENCH_SHARED_DB"] = f"{TEN_MILLION}={SHARED_10M}"
    return ten_million()


def drop_ten_million(pg: str) -> None:
    from _db import drop_database

    for name in (SHARED_10M, DESK_10M, "einzelfall_bench_1000000"):
        drop_database(pg, name)


def main():
    args = arguments()
    started = time.monotonic()
    benches = ten_million_setup(args) if args.size == "10m" else BENCHES
    # The raw figures of the last runs, per benchmark (docs/benchmarks.json): `--only`
    # re-renders the document with the other benchmarks' stored figures.
    raw = Path(args.out).with_suffix(".json")
    stored = json.loads(raw.read_text()) if args.only and raw.exists() else {}
    try:
        results, ran = run(args, stored, benches)
    finally:
        if args.size == "10m" and not args.keep_databases and args.only != ["-"]:
            drop_ten_million(args.pg)
    minutes = (time.monotonic() - started) / 60
    previous = Path(args.out).read_text() if Path(args.out).exists() else ""
    heading = ""
    if args.size == "10m":
        heading = (
            f"**The ten-million run** (`make bench SIZE=10m`): {TEN_MILLION:,} complaints; "
            "the other benchmarks and the 1M figures: [benchmarks.md](benchmarks.md)."
        )
    Path(args.out).write_text(
        render(results, args.quick, args.pg, minutes, previous, heading, benches)
    )
    raw.write_text(
        json.dumps(
            {
                name: dict(zip(("samples", "failures", "date"), r, strict=True))
                for name, r in results.items()
            },
            indent=1,
        )
    )
    print(f"written: {args.out} and {raw}")
    if any(failures for _, failures, _ in ran.values()):
        raise SystemExit("some benchmark runs failed (see the document)")


if __name__ == "__main__":
    main()
