"""make bench: every benchmark in bench/ on PostgreSQL, and docs/benchmarks.md rewritten.

Usage: .venv/bin/python bench/run.py [--runs 3] [--only NAME ...] [--pg URL] [--quick]

Each benchmark script (bench/catalogue.py lists them) runs --runs times (the slow ones fewer)
and writes its figures as JSON; bench/document.py takes the median and the spread (lowest to
highest) of each figure over the runs, puts every target next to its figure, and writes
docs/benchmarks.md with the machine it ran on. Not part of make test: it takes about half an
hour.

--quick: small sizes and one run each, to try the whole chain (the document then says so).
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from catalogue import BENCHES, Bench, derived
from document import render

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "benchmarks.md"


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
    # The runs share one seeded database (--keep); dropped after the last.
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
    parser.add_argument("--out", default=str(DOC))
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="write the document again from the stored figures (after editing bench/notes.md)",
    )
    args = parser.parse_args()
    if args.render_only:
        args.only = ["-"]  # run nothing
    return args


def run(args, stored: dict) -> tuple[dict, dict]:
    """Every benchmark asked for runs; the others keep their stored figures (`--only`)."""
    results, ran = {}, {}
    for bench in BENCHES:
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


def main():
    args = arguments()
    started = time.monotonic()
    # The raw figures of the last runs, per benchmark (docs/benchmarks.json): `--only`
    # re-renders the document with the other benchmarks' stored figures.
    raw = Path(args.out).with_suffix(".json")
    stored = json.loads(raw.read_text()) if args.only and raw.exists() else {}
    results, ran = run(args, stored)
    minutes = (time.monotonic() - started) / 60
    Path(args.out).write_text(render(results, args.quick, args.pg, minutes))
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
