"""docs/benchmarks.md from the figures of the runs: medians, spreads, targets, the machine."""

import datetime
import os
import platform
import statistics
from pathlib import Path

from catalogue import BENCHES, Bench, Figure

# What the figures do not say by themselves (causes found, what was fixed, what is left):
# bench/notes.md, a "## name" section per benchmark, put under its table.
NOTES_FILE = Path(__file__).resolve().parent / "notes.md"


def load_notes() -> dict:
    notes, name = {}, None
    if NOTES_FILE.exists():
        for line in NOTES_FILE.read_text().splitlines():
            if line.startswith("## "):
                name = line[3:].strip()
                notes[name] = ""
            elif name:
                notes[name] += line + "\n"
    return notes


NOTES = load_notes()


def flatten(data, prefix=""):
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def values(samples: list, key: str) -> list[float]:
    found = []
    for sample in samples:
        value = flatten(sample).get(key)
        if isinstance(value, list):
            found.extend(value)
        elif isinstance(value, int | float):
            found.append(value)
    return found


def fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _cpu_and_memory() -> tuple[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        memory = "unknown memory"
    return cpu, memory


def _os_name() -> str:
    os_name = platform.platform(terse=True)
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return os_name


def _versions() -> dict:
    versions = {}
    for module in ("django", "psycopg", "gunicorn", "import_export", "redis"):
        try:
            versions[module] = __import__(module).__version__
        except (ImportError, AttributeError):
            versions[module] = "?"
    return versions


def _servers(pg: str) -> tuple[str, str]:
    """The versions of the PostgreSQL server and of Redis, as they answer."""
    try:
        import psycopg

        with psycopg.connect(f"{pg}/postgres") as conn:
            server = conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:
        server = "?"
    try:
        import redis

        redis_version = redis.Redis(socket_connect_timeout=1).info()["redis_version"]
    except Exception:
        redis_version = "not running"
    return server, redis_version


def machine(pg: str) -> list[str]:
    cpu, memory = _cpu_and_memory()
    versions = _versions()
    server, redis_version = _servers(pg)
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {memory}; {_os_name()}",
        f"- Python {platform.python_version()}, Django {versions['django']}, psycopg "
        f"{versions['psycopg']}, django-import-export {versions['import_export']}, gunicorn "
        f"{versions['gunicorn']}, redis-py {versions['redis']}",
        f"- PostgreSQL {server} (local, default settings), Redis {redis_version}",
    ]


def _head(quick: bool, pg: str, minutes: float) -> list[str]:
    today = datetime.date.today().isoformat()
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`bench/run.py`) on {today} (this run: {minutes:.0f} minutes; "
        "each benchmark's date is under its title). "
        "Each benchmark ran several times "
        "(the number is in its table); a figure is the median over the runs, with the lowest "
        "and highest next to it. The machines are shared and noisy, so every benchmark also "
        "measures a baseline in the same run: compare ratios across machines, not seconds.",
        "",
    ]
    if quick:
        lines += ["**A trial run (`--quick`): small sizes, one run each. Not the figures.**", ""]
    return [*lines, "## The machine", "", *machine(pg), ""]


def _row(figure: Figure, samples: list, quick: bool) -> tuple[str, str | None]:
    """A figure's table row, and its verdict when it has a target (else None)."""
    found = values(samples, figure.key)
    if not found:
        verdict = "not measured"
        if figure.check is not None and not quick:  # a target without a figure is not met
            verdict = "**missed** (not measured)"
            return f"| {figure.label} | - | | {figure.target} | {verdict} |", verdict
        return f"| {figure.label} | - | | {figure.target} | {verdict} |", None
    median = statistics.median(found)
    unit = f" {figure.unit}" if figure.unit and figure.unit != "x" else figure.unit
    spread = ""
    if len(found) > 1:
        spread = f"{fmt(min(found), figure.digits)} to {fmt(max(found), figure.digits)}"
    verdict = ""
    if figure.check is not None:
        verdict = "met" if figure.check(median) else "**missed**"
    row = (
        f"| {figure.label} | {fmt(median, figure.digits)}{unit} | {spread} | "
        f"{figure.target} | {verdict} |"
    )
    return row, (verdict if figure.check is not None else None)


def _section(bench: Bench, result: tuple, quick: bool) -> tuple[list[str], list[tuple]]:
    """A benchmark's section of the document, and its (title, figure, verdict) for targets."""
    samples, failures, date = result
    lines = [f"## {bench.title}", "", f"Measured {date}. `bench/{bench.script}`. {bench.about}", ""]
    if failures:
        lines += [f"**Failed:** {'; '.join(failures)}.", ""]
    if not samples:
        return lines, [(bench.title, f.label, "failed") for f in bench.figures if f.check]
    lines += [
        f"| figure | median of {len(samples)} run{'s' * (len(samples) > 1)} | "
        "lowest to highest | target | |",
        "|---|---:|---|---|---|",
    ]
    summary = []
    for figure in bench.figures:
        row, verdict = _row(figure, samples, quick)
        lines.append(row)
        if verdict is not None:
            summary.append((bench.title, figure.label, verdict))
    lines.append("")
    if bench.notes:
        lines += [bench.notes, ""]
    if NOTES.get(bench.name):
        lines += [NOTES[bench.name].strip(), ""]
    return lines, summary


def sections(text: str) -> list[tuple[str, str]]:
    """A document's "## " sections in order: (title, the section's text, heading included);
    the text before the first heading has the title ""."""
    found, title, lines = [], "", []
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            found.append((title, "".join(lines)))
            title, lines = line[3:].strip(), []
        lines.append(line)
    found.append((title, "".join(lines)))
    return found


GENERATED = ("The machine", "Targets")


def kept_sections(previous: str, rendered: set[str]) -> list[tuple[str | None, str]]:
    """The sections of the previous document that this run does not write (written by hand,
    or of a benchmark with no figures this time and none stored), each with the title of the
    nearest section before it that this run writes (None: none), so that it stays there."""
    kept, anchor = [], None
    for title, text in sections(previous):
        if title in rendered:
            anchor = title
        elif title and title not in GENERATED:
            kept.append((anchor, text.rstrip("\n") + "\n"))
    return kept


def render(
    results: dict,
    quick: bool,
    pg: str,
    minutes: float,
    previous: str = "",
    heading: str = "",
    benches: list | None = None,
) -> str:
    """The document. previous: the document it replaces, whose sections this run does not
    write are kept (issue 20's section, written by hand, was lost by a run of other
    benchmarks). heading: a line under the title (the ten-million run says its size).
    benches: the catalogue's entries (the ten-million run has its own)."""
    lines, summary, rendered = [], [], {}
    for bench in BENCHES if benches is None else benches:
        if bench.name in results:
            section, verdicts = _section(bench, results[bench.name], quick)
            rendered[bench.title] = section
            summary += verdicts
    kept = kept_sections(previous, set(rendered))
    for title in [None, *rendered]:
        lines += rendered.get(title, [])
        lines += [text for anchor, text in kept if anchor == title]
    missed = [f"{figure} ({title})" for title, figure, verdict in summary if verdict != "met"]
    targets = f"{len(summary) - len(missed)} of {len(summary)} targets met."
    if missed:
        targets += " Missed: " + "; ".join(missed) + "."
    head = _head(quick, pg, minutes)
    if heading:
        head[2:2] = [heading, ""]
    return "\n".join([*head, "## Targets", "", targets, "", *lines])
