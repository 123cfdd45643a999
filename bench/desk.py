"""Benchmark: the moderation desk at a million complaints, against the admin's change page.

Usage: .venv/bin/python bench/desk.py [--count 1000000] [--pending 5000] [--decisions 100]
       [--baseline 20] [--pg postgres://postgres@127.0.0.1:5432] [--keep] [--json FILE]

Set-up (once; with --keep the database einzelfall_bench_desk is reused and kept):
- `migrate`, `load_places` and `seed_demo --count N` with its mix of states (70 % published,
  18 % pending, 8 % rejected, 4 % spam); then all but the newest --pending pending reports are
  published (a backlog of a viral week, not of six weeks), and the forensics columns are
  filled as intake fills them (network, email domain and text keys: synthetic keyed values
  with the same grouping: about 300,000 networks, a few big mail providers and many small
  domains, one text key per redacted description of 25 letters or more), then VACUUM ANALYZE.
- Each run first puts the reports its moderator decided in an earlier run back to pending
  (and removes those decisions), so every run starts from the same queue.
- gunicorn as `make serve` runs it (einzelfall/gunicorn_conf.py, DEBUG off, hashed static
  files collected into a temporary directory), Redis db 12 as the cache when it answers.

Measured, in headless Chromium (Playwright) at 1366x768, logged in as a moderator (group
Moderator) through the admin's login form:
- the desk: --decisions decisions with the keyboard, drawn (fixed seed) in the proportions of
  the demo data's decisions: about 85 % publish (p), 10 % reject (r, then a reason's digit),
  5 % spam (s), and a few skips (j) on the way. After each key the script waits for the next
  card (until `#desk-main[data-complaint]` changes). Key presses per decision, requests that
  reached the server per decision (after the desk's first page load, browser-cache hits not
  counted; skips counted apart; gunicorn's access log counts them too), the server's time (the
  desk's `Server-Timing: desk;dur=`, and gunicorn's for the request), the time to first byte
  and the time the browser took from the key to the next card.
- the baseline, the old way: --baseline other pending reports published through the admin's
  change page: open the page, select "published", save (the admin then shows the list). The
  requests (gunicorn's access log) and gunicorn's time per decision, and the browser's time.
Afterwards the database must hold exactly the decisions made (else the run fails).
"""

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _db import drop_database, write_figures
from desk_setup import (
    CHROMIUM_ARGS,
    DB,
    PASSWORD,
    USERNAME,
    database,
    expected,
    moderator,
    newest_pending,
    recorded,
    reset_queue,
    server,
)
from load_server import Server

CARD = "[data-complaint]"
CARD_ID = "document.querySelector('[data-complaint]')?.getAttribute('data-complaint')"


def percentile(values: list, p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def plan(decisions: int, rng: random.Random) -> list[str]:
    """The keys to press: the demo data's decisions in proportion (85 % publish, 10 % reject
    with a reason's digit, 5 % spam), shuffled, and a skip now and then (about one in 25)."""
    rejects, spams = round(decisions * 0.10), round(decisions * 0.05)
    actions = ["p"] * (decisions - rejects - spams) + ["s"] * spams
    actions += [f"r{rng.randint(1, 6)}" for _ in range(rejects)]
    rng.shuffle(actions)
    for _ in range(max(1, decisions // 25)):
        actions.insert(rng.randrange(1, len(actions)), "j")
    return actions


class Recorder:
    """Every request to the site, tagged with the step (decision) it happened in."""

    def __init__(self, page, base: str):
        self.base, self.step, self.requests = base, None, []
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._finished)

    def _finished(self, request):
        if request.url.startswith(self.base) and self.step is not None:
            self.requests.append((self.step, request))

    def of(self, step) -> list:
        """The step's requests that reached the server (not answered from the browser's
        cache: those have no body on the wire, a negative size)."""
        return [r for s, r in self.requests if s == step and reached_server(r)]


def reached_server(request) -> bool:
    response = request.response()
    return response is None or request.sizes()["responseBodySize"] >= 0


def ttfb_ms(request) -> float:
    timing = request.timing
    if timing["requestStart"] < 0 or timing["responseStart"] < 0:
        return float("nan")
    return timing["responseStart"] - timing["requestStart"]


def server_timing_ms(request) -> float | None:
    response = request.response()
    header = response.all_headers().get("server-timing", "") if response else ""
    for part in header.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if name == "desk":
            for param in params:
                if param.startswith("dur="):
                    return float(param[4:])
    return None


def log_in(page, base: str) -> None:
    page.goto(base + "/admin/")
    page.locator("#id_username").fill(USERNAME)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    if "/login/" in page.url:
        raise SystemExit("the benchmark's moderator could not log in")


def _press(page, action: str) -> int:
    """The action's keys; the number pressed."""
    for key in action:
        page.keyboard.press(key)
    return len(action)


def desk(page, site: Server, actions: list[str]) -> dict:
    """The actions at the desk; what each cost."""
    page.goto(site.base + "/admin/complaints/complaint/desk/")
    page.wait_for_selector(CARD)
    page.wait_for_load_state("networkidle")
    recorder = Recorder(page, site.base)
    logged = len(site.access_log.lines())
    steps = []
    for n, action in enumerate(actions):
        shown = page.evaluate(CARD_ID)
        recorder.step = n
        started = time.perf_counter()
        keys = _press(page, action)
        page.wait_for_function(f"(shown) => {CARD_ID} !== shown", arg=shown, timeout=30_000)
        steps.append({"action": action, "keys": keys, "ms": (time.perf_counter() - started) * 1000})
    page.wait_for_load_state("networkidle")
    recorder.step = None
    for n, step in enumerate(steps):
        _cost(step, recorder.of(n))
    time.sleep(0.5)  # gunicorn writes a line after its answer
    answered = site.access_log.lines()[logged:]
    return {
        **_summary(steps),
        # The server's own count: every request it answered during the steps, skips included.
        "server_requests_per_decision": len(answered) / sum(s["action"] != "j" for s in steps),
        # gunicorn's time for a decision's request, as the baseline's is measured.
        "gunicorn_ms_median": statistics.median(
            ms for _, path, _, ms in answered if path.endswith("/decide/")
        ),
    }


def _cost(step: dict, requests: list) -> None:
    """A step's requests, the desk's own server time and the time to first byte."""
    step["requests"] = len(requests)
    timings = [t for t in map(server_timing_ms, requests) if t is not None]
    step["server_ms"] = sum(timings) if timings else None
    pages = [r for r in requests if r.resource_type in ("document", "fetch", "xhr")]
    step["ttfb_ms"] = sum(ttfb_ms(r) for r in pages)


def _server(decided: list[dict]) -> dict:
    """The desk's own time per decision (Server-Timing), where it sent one."""
    server = [s["server_ms"] for s in decided if s["server_ms"] is not None]
    if not server:
        return {"server_ms": []}
    return {
        "server_ms_median": statistics.median(server),
        "server_ms_p95": percentile(server, 95),
        "server_ms_max": max(server),
        "server_ms": server,
    }


def _summary(steps: list[dict]) -> dict:
    decided = [s for s in steps if s["action"] != "j"]
    skips = [s for s in steps if s["action"] == "j"]
    browser = [s["ms"] for s in decided]
    return {
        "decisions": len(decided),
        "skips": len(skips),
        "keys_per_decision": sum(s["keys"] for s in steps) / len(decided),
        "requests_per_decision": sum(s["requests"] for s in decided) / len(decided),
        "requests_per_skip": sum(s["requests"] for s in skips) / max(1, len(skips)),
        "ttfb_ms_median": statistics.median(s["ttfb_ms"] for s in decided),
        "browser_ms_median": statistics.median(browser),
        "browser_ms_p95": percentile(browser, 95),
        **_server(decided),
    }


def baseline(page, site: Server, ids: list[int]) -> dict:
    """The old way: each report's change page opened, "published" selected, saved; the admin
    then shows the list of reports."""
    recorder = Recorder(page, site.base)
    logged = len(site.access_log.lines())
    steps = []
    for n, pk in enumerate(ids):
        recorder.step = n
        started = time.perf_counter()
        page.goto(f"{site.base}/admin/complaints/complaint/{pk}/change/")
        page.locator("#id_status").select_option("published")
        with page.expect_navigation():
            page.locator("input[name=_save]").click()
        page.wait_for_load_state("load")
        steps.append({"ms": (time.perf_counter() - started) * 1000})
    page.wait_for_load_state("networkidle")
    recorder.step = None
    for n, step in enumerate(steps):
        requests = recorder.of(n)
        documents = [r for r in requests if r.resource_type == "document"]
        step["requests"], step["documents"] = len(requests), len(documents)
        step["ttfb_ms"] = sum(ttfb_ms(r) for r in documents)
    time.sleep(0.5)
    return _baseline_summary(steps, _per_decision(site.access_log.lines()[logged:]))


def _baseline_summary(steps: list[dict], server: list[dict]) -> dict:
    return {
        "decisions": len(steps),
        "requests_per_decision": statistics.mean(s["requests"] for s in server),
        "browser_requests_per_decision": statistics.mean(s["requests"] for s in steps),
        "documents_per_decision": statistics.mean(s["documents"] for s in steps),
        "ttfb_ms_median": statistics.median(s["ttfb_ms"] for s in steps),
        "server_ms_median": statistics.median(s["ms"] for s in server),
        "server_ms_p95": percentile([s["ms"] for s in server], 95),
        "browser_ms_median": statistics.median(s["ms"] for s in steps),
    }


CHANGE_PAGE = re.compile(r"/admin/complaints/complaint/(\d+)/change/$")


def _per_decision(answered: list) -> list[dict]:
    """The baseline's decisions in the server's access log, each from one change page's GET
    to the next: the requests it answered, and its time for all but static files."""
    found = []
    for method, path, _, ms in answered:
        if method == "GET" and CHANGE_PAGE.search(path):
            found.append({"requests": 0, "ms": 0})
        if found:
            found[-1]["requests"] += 1
            found[-1]["ms"] += 0 if path.startswith("/static/") else ms
    return found


def browse(site: Server, actions: list[str], baseline_ids: list[int]) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="de-DE")
        page = context.new_page()
        log_in(page, site.base)
        measured = {"desk": desk(page, site, actions)}
        measured["baseline"] = baseline(page, site, baseline_ids)
        browser.close()
    return measured


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=100)
    parser.add_argument("--baseline", type=int, default=20)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default=DB, help="the database's name")
    parser.add_argument("--keep", action="store_true", help="Reuse and keep the database.")
    parser.add_argument("--setup-only", action="store_true", help="Build the database, no run.")
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()

    env = database(args.pg, args.db, args.count, args.pending, dict(os.environ), args.keep)
    moderator(env)
    pending = reset_queue(args.pg, args.db)
    print(f"pending: {pending:,}", file=sys.stderr)
    if args.setup_only:
        return
    actions = plan(args.decisions, random.Random(18))  # noqa: S311 (the same keys each run)
    baseline_ids = newest_pending(args.pg, args.db, args.baseline)
    site = server(env)
    load = os.getloadavg()[0]
    try:
        measured = browse(site, actions, baseline_ids)
    finally:
        site.stop()
        shutil.rmtree(site.static, ignore_errors=True)
    decided = recorded(args.pg, args.db)
    if decided != expected(actions, len(baseline_ids)):
        raise SystemExit(f"the decisions stored are not the ones made: {decided}")
    if not args.keep:
        drop_database(args.pg, args.db)
    desk_, old = measured["desk"], measured["baseline"]
    figures = {
        "count": args.count,
        "pending": pending,
        "desk": desk_,
        "baseline": old,
        "recorded": decided,
        # The machine is shared: how busy it was (1-minute load average, before and after).
        "load": [load, os.getloadavg()[0]],
    }
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"complaints: {args.count:,}, pending: {pending:,}; load {figures['load']}")
    print(
        f"desk: {desk_['decisions']} decisions, {desk_['skips']} skips; "
        f"keys/decision {desk_['keys_per_decision']:.2f}, "
        f"requests/decision {desk_['requests_per_decision']:.2f} "
        f"(the server's count, skips included: {desk_['server_requests_per_decision']:.2f})"
    )
    print(
        f"desk server time: median {desk_.get('server_ms_median', float('nan')):.1f} ms, "
        f"p95 {desk_.get('server_ms_p95', float('nan')):.1f} "
        f"ms; TTFB median {desk_['ttfb_ms_median']:.1f} ms; key to next card median "
        f"{desk_['browser_ms_median']:.0f} ms, p95 {desk_['browser_ms_p95']:.0f} ms"
    )
    print(
        f"baseline (change page): {old['decisions']} decisions; requests/decision "
        f"{old['requests_per_decision']:.1f} ({old['documents_per_decision']:.1f} pages); "
        f"server time median {old['server_ms_median']:.0f} ms; "
        f"browser median {old['browser_ms_median']:.0f} ms"
    )
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
