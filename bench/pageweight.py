"""Benchmark: the report form's weight on a first visit, and Lighthouse on a slow network.

Usage: .venv/bin/python bench/pageweight.py [--pg postgres://postgres@127.0.0.1:5432]
                                            [--no-lighthouse] [--json FILE]

The site as `make serve` runs it (gunicorn, whitenoise with its compressed files,
DEBUG off), on database einzelfall_bench_pageweight (the gazetteer and 1,000 published demo
reports), twice in the same run: with the Bootstrap subset the pages load (static/build/
bootstrap.css, built by make), and, as the baseline, with the full Bootstrap in its place
(compiled from the same sources; a settings module of this run puts it first in
STATICFILES_DIRS, so the working tree is not touched). For each:

1. Chromium (Playwright, a fresh profile: a first visit) loads /report/; the bytes are what
   the network delivered, headers included (DevTools protocol Network.loadingFinished
   encodedDataLength), until the network is idle. gunicorn sends the HTML uncompressed
   (nginx compresses it in production): first_visit_kb counts it gzipped (level 6), as the
   budget is for compressed files; first_visit_as_sent_kb is what gunicorn alone sent. The
   service worker's fetches after that (its precache) are summed on their own (Playwright's
   service-worker network events).
   Installable: Chromium's own verdict (Page.getInstallabilityErrors), none = installable.
2. Lighthouse 12 (bench/package.json; npm ci --prefix bench) with the same Chromium
   (CHROME_PATH), mobile, simulated throttling on a slow 3G profile: 300 ms round trip,
   700 kbit/s, CPU slowed 4 times. Lighthouse 12 has no PWA category any more: installability
   is step 1's.
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bin"))
import build_css  # noqa: E402
from _db import drop_database, seeded_database, write_figures  # noqa: E402
from load_server import Server, free_port, served_env  # noqa: E402

DB = "einzelfall_bench_pageweight"
CHROMIUM = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
# Slow 3G, simulated (Lighthouse's default method, steadier than throttling the real network).
THROTTLING = {"rttMs": 300, "throughputKbps": 700, "cpuSlowdownMultiplier": 4}
# After the page's load: time for the service worker to install and fill its cache.
PRECACHE_WAIT_S = 5

FULL_SETTINGS = """from einzelfall.settings import *  # noqa: F403

# The full Bootstrap under the subset's name, found before static/ (the baseline).
STATICFILES_DIRS = [{overlay!r}, *STATICFILES_DIRS]  # noqa: F405
"""


def variant_env(tmp: Path, variant: str, port: int, database_env: dict) -> dict:
    """gunicorn's environment: make serve's settings; for the baseline, the full Bootstrap."""
    static_root = tmp / f"static-{variant}"
    env = {
        **os.environ,
        **served_env(port),
        "DATABASE_URL": database_env["DATABASE_URL"],
        "STATIC_ROOT": str(static_root),
        "GUNICORN_ACCESS_LOG": os.devnull,
        "DJANGO_SETTINGS_MODULE": "einzelfall.settings",
        "PYTHONPATH": str(ROOT),
    }
    if variant == "full":
        overlay = tmp / "overlay"
        (overlay / "build").mkdir(parents=True, exist_ok=True)
        (overlay / "build" / "bootstrap.css").write_text(
            build_css.compile_css(full=True), encoding="utf-8"
        )
        (tmp / "pageweight_full_settings.py").write_text(
            FULL_SETTINGS.format(overlay=str(overlay)), encoding="utf-8"
        )
        env["DJANGO_SETTINGS_MODULE"] = "pageweight_full_settings"
        env["PYTHONPATH"] = f"{tmp}{os.pathsep}{ROOT}"
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    return env


def first_visit(base: str) -> dict:
    """What Chromium fetches for /report/ on a first visit, and its installability verdict."""
    from playwright.sync_api import sync_playwright

    finished, urls, worker = {}, {}, []
    # A persistent profile (fresh, so still a first visit): Chromium calls no incognito page
    # installable.
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS[1:],
            viewport={"width": 390, "height": 844},
        )

        def worker_request(request):
            if request.service_worker is not None:
                sizes = request.sizes()
                worker.append(
                    (request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"])
                )

        context.on("requestfinished", worker_request)
        page = context.pages[0] if context.pages else context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.setdefault(e["requestId"], e["request"]["url"]),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        document = page.goto(base + "/report/", wait_until="networkidle")
        loaded = dict(finished)
        html = document.body()
        html_sent = document.request.sizes()
        html_compressed = document.header_value("content-encoding") is not None
        page.wait_for_timeout(PRECACHE_WAIT_S * 1000)
        errors = cdp.send("Page.getInstallabilityErrors").get("installabilityErrors", [])
        context.close()
    # data: URLs (images inside the CSS) cross no network.
    loaded = {rid: size for rid, size in loaded.items() if urls.get(rid, "").startswith("http")}
    requests = {urls.get(rid, rid).removeprefix(base): size for rid, size in loaded.items()}
    by_kind = {}
    for url, size in requests.items():
        extension = url.rsplit(".", 1)[-1] if url.startswith("/static/") else ""
        kind = extension if extension in ("css", "js") else "other"
        by_kind[kind] = by_kind.get(kind, 0) + size
    total = sum(requests.values())
    # gunicorn sends the HTML uncompressed; nginx in front (docs/deploy.md) gzips it. The
    # budget is for compressed files: this is the visit with the HTML as nginx sends it.
    as_gzipped = total
    if not html_compressed:
        as_gzipped += len(gzip.compress(html, compresslevel=6)) - html_sent["responseBodySize"]
    return {
        "first_visit_kb": as_gzipped / 1024,
        "first_visit_as_sent_kb": total / 1024,
        "html_kb": html_sent["responseBodySize"] / 1024,
        "css_kb": by_kind.get("css", 0) / 1024,
        "js_kb": by_kind.get("js", 0) / 1024,
        "requests": len(requests),
        "precache_kb": sum(size for _, size in worker) / 1024,
        "precache_requests": len(worker),
        "installable": int(not errors),
        "installability_errors": [e.get("errorId", str(e)) for e in errors],
        "urls": {url: round(size / 1024, 1) for url, size in sorted(requests.items())},
        "precache_urls": {
            url.removeprefix(base): round(size / 1024, 1) for url, size in sorted(worker)
        },
    }


def lighthouse(base: str) -> dict:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: npm ci --prefix bench")
    command = [
        str(LIGHTHOUSE),
        base + "/report/",
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        "--only-categories=performance",
        "--form-factor=mobile",
        "--throttling-method=simulate",
        *(f"--throttling.{key}={value}" for key, value in THROTTLING.items()),
        "--chrome-flags=" + " ".join(CHROMIUM_FLAGS),
    ]
    result = subprocess.run(
        command,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise SystemExit(f"Lighthouse failed: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    audits = report["audits"]
    return {
        "performance": report["categories"]["performance"]["score"] * 100,
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "total_byte_weight_kb": audits["total-byte-weight"]["numericValue"] / 1024,
        "version": report["lighthouseVersion"],
    }


def measure(tmp: Path, variant: str, database_env: dict, with_lighthouse: bool) -> dict:
    port = free_port()
    server = Server(variant_env(tmp, variant, port, database_env), port)
    try:
        server.wait()
        time.sleep(1)  # the workers import the site after the socket opens
        figures = first_visit(server.base)
        if with_lighthouse:
            figures["lighthouse"] = lighthouse(server.base)
    finally:
        server.stop()
    return figures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--json", help="write the figures to this file (bench/run.py)")
    args = parser.parse_args()

    if not build_css.OUT.exists():
        build_css.build()
    database_env = seeded_database(
        args.pg,
        DB,
        1000,
        {**os.environ, "DEBUG": "false", "SECRET_KEY": "bench-only", "ENV_FILE": os.devnull},
        keep=False,
    )
    tmp = Path(tempfile.mkdtemp(prefix="einzelfall-bench-pageweight-"))
    try:
        figures = {
            variant: measure(tmp, variant, database_env, not args.no_lighthouse)
            for variant in ("subset", "full")
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        drop_database(args.pg, DB)
    figures["saved_kb"] = figures["full"]["first_visit_kb"] - figures["subset"]["first_visit_kb"]
    print(json.dumps(figures, indent=1))
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
