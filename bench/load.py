"""Benchmark: submissions under load, a viral spike, and a database outage (issue 9).

Usage: .venv/bin/python bench/load.py [--quick] [--json FILE] [--phases LIST]

--phases: a comma-separated choice of throughput, spike, outage, redis-outage (default: all).
--database-url: run against this existing database (migrated, places loaded: the ten-million
one of `make bench SIZE=10m`) instead of a cluster of its own; throughput and spike only (the
outages stop the cluster). The rows it adds are pending reports, found again by their time.

Everything runs on this machine, in one run:

- a PostgreSQL of its own in a temporary directory (initdb, on a free port; as the postgres
  user when run as root), migrated, with the gazetteer loaded; it is removed afterwards;
- gunicorn as `make serve` starts it (einzelfall/gunicorn_conf.py, DEBUG off; only without
  max_requests, so that no worker is replaced during the spike whose memory is watched), with
  the settings of bench/load_settings.py: the site's, plus the floor view /bench/floor/;
- a Redis of its own (redis-server on a free port, no persistence) as the cache (as in
  production: rate limits and form stamps shared by the workers); without redis-server, db 13
  of the machine's Redis (127.0.0.1:6379) when it answers (no Redis outage then: the machine's
  Redis is never stopped), else the memory cache;
- a load generator (asyncio + aiohttp) in this process. Each virtual visitor loads the form
  once (CSRF cookie and token from the page) and then posts reports with it. Every report
  carries the form's hidden stamp, made with the server's SECRET_KEY as the form page makes it,
  dated 10 s back (a person takes that long); and a client address of its own through the
  trusted proxy header (CLIENT_IP_HEADER=X-Real-IP), so distinct people are not throttled.

Measured:

1. Throughput against the floor: closed loop (a fixed number of requests in flight) for a
   while on the floor view, then on /report/, alternately, twice each. Accepted per second.
2. The spike: 60 s at 100 reports per second (open loop: requests start on schedule whatever
   the answers). Latency p50/p99, status counts; then the rows in the database against the
   accepted answers (each report's description carries a unique token: no loss, no
   duplicates); the workers' memory (RSS) through the spike.
3. The outage: 30 reports per second and 5 page views per second; after 10 s PostgreSQL
   stops (fast shutdown) for 10 s, then starts again. Every answer while it is down must be
   the site's 503 page within a few seconds; after it is back, the time to the first stored
   report; no partial rows (every stored report has its problems; rows = accepted answers).
4. The Redis outage: the same load; after 10 s the benchmark's own Redis stops for 10 s, then
   starts again (empty, as after a crash without persistence). No report may be refused while
   it is down (form stamps by their signature, limits from the database: einzelfall/cache.py,
   complaints/intake/abuse.py), pages answer 200; rows = accepted answers.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load_client import Load, Result, closed_loop, open_loop, percentile
from load_server import (
    ROOT,
    ExistingPostgres,
    Server,
    TempPostgres,
    free_port,
    manage,
    redis_answers,
    server_env,
    stored,
)

REDIS_URL = "redis://127.0.0.1:6379/13"
PHASES = ("throughput", "spike", "outage", "redis-outage")


class OwnRedis:
    """A redis-server of the benchmark's own on a free port, to stop and start again (the
    machine's Redis is never stopped). No persistence: it comes back empty."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError("the benchmark's redis-server did not start")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


FRIENDLY_503 = "Gleich wieder da"  # the 503 page's heading (templates/503.html, German)


def throughput(load: Load, phase: float, in_flight: int) -> dict:
    """Floor and form alternately, twice each: accepted per second."""
    floor, form = [], []
    for _ in range(2):
        floor.append(asyncio.run(closed_loop(load, "/bench/floor/", phase, in_flight)))
        form.append(asyncio.run(closed_loop(load, "/report/", phase, in_flight)))
        print(f"floor {floor[-1]:.0f}/s, form {form[-1]:.0f}/s", file=sys.stderr)
    return {
        "in_flight": in_flight,
        "seconds": phase,
        "floor_per_s": floor,
        "form_per_s": form,
        "ratio": statistics.median(form) / statistics.median(floor),
    }


def _rss_by_worker(rss: list[dict]) -> tuple[dict, int]:
    """Each worker's memory through the spike, and how many workers were replaced on the way.

    Only workers present from the first sample to the last are compared: a worker replaced on
    the way (it should not be: the server runs without max_requests here) is counted."""
    steady = set(rss[0]) & set(rss[-1]) if rss else set()
    by_worker = {
        str(pid): {
            "first": rss[0][pid],
            "last": rss[-1][pid],
            "max": max(sample[pid] for sample in rss if pid in sample),
        }
        for pid in sorted(steady)
    }
    return by_worker, len({pid for sample in rss for pid in sample} - steady)


def spike(load: Load, server: Server, pg: TempPostgres, seconds: float) -> dict:
    """100 reports per second on schedule; what was answered, stored, and the workers' RSS."""
    load.reset()
    rss, sampling = [], True

    async def sample():
        while sampling:
            rss.append(server.rss_mb())
            await asyncio.sleep(1)

    async def run():
        nonlocal sampling
        sampler = asyncio.create_task(sample())
        await open_loop(load, 100, seconds)
        sampling = False
        await sampler

    asyncio.run(run())
    posts = [r for r in load.results if r.kind == "post"]
    statuses = {}
    for r in posts:
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
    accepted_ms = [r.seconds * 1000 for r in posts if r.accepted]
    rss_mb, replaced = _rss_by_worker(rss)
    return {
        "seconds": seconds,
        "rate": 100,
        "sent": len(posts),
        "accepted": len(load.markers),
        "sent_not_accepted": len(posts) - len(load.markers),
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": percentile(accepted_ms, 50),
        "p99_ms": percentile(accepted_ms, 99),
        "max_ms": max(accepted_ms, default=float("nan")),
        **stored(pg, load),
        "workers_replaced": replaced,
        "rss_mb": rss_mb,
    }


def friendly(r: Result) -> bool:
    return r.status == 503 and FRIENDLY_503 in r.body


def cached_view(r: Result) -> bool:
    """A page the cache still had: better than the 503 page."""
    return r.kind == "view" and r.status == 200


def while_down(during: list[Result]) -> dict:
    """What the visitors got from the requests that began while the database was down."""
    other = [r for r in during if not (friendly(r) or cached_view(r))]
    return {
        "requests_while_down": len(during),
        "friendly_503": sum(1 for r in during if friendly(r)),
        "cached_pages_while_down": sum(1 for r in during if cached_view(r)),
        "not_friendly": len(other),
        "other_answers_while_down": sorted({str(r.status) for r in other}),
        "slowest_answer_while_down_s": max((r.seconds for r in during), default=0),
    }


def after_start(results: list[Result], restart: float, up: float) -> dict:
    """How soon reports were stored again, and what failed once the database had been up
    for 5 s."""
    recovered = [
        r.scheduled + r.seconds
        for r in results
        if r.kind == "post" and r.accepted and r.scheduled >= restart
    ]
    later = [r for r in results if r.scheduled >= up + 5]
    return {
        # From the moment PostgreSQL was told to start (its own start-up time included).
        "recovery_s": (min(recovered) - restart) if recovered else None,
        "failures_5s_after_start": sum(1 for r in later if r.status >= 500 or r.status == 0),
    }


def outage(load: Load, pg: TempPostgres) -> dict:
    """30 reports and 5 page views per second for 40 s; PostgreSQL down from 10 s to 20 s."""
    load.reset()
    moments = {}

    def stop():
        pg.stop()
        moments["stopped"] = time.perf_counter()

    def start():
        moments["start"] = time.perf_counter()
        pg.start()
        moments["started"] = time.perf_counter()

    asyncio.run(open_loop(load, 30, 40, views_rate=5, events=[(10, stop), (20, start)]))
    down, restart, up = moments["stopped"], moments["start"], moments["started"]
    results = load.results
    return {
        "down_seconds": restart - down,
        # Every request that began while the database was down, however long it took.
        **while_down([r for r in results if down <= r.scheduled < restart]),
        "pg_start_seconds": up - restart,
        **after_start(results, restart, up),
        "accepted": len(load.markers),
        **stored(pg, load),
    }


def redis_outage(load: Load, pg: TempPostgres, redis: OwnRedis) -> dict:
    """30 reports and 5 page views per second for 40 s; Redis down from 10 s to 20 s."""
    load.reset()
    moments = {}

    def stop():
        redis.stop()
        moments["stopped"] = time.perf_counter()

    def start():
        moments["start"] = time.perf_counter()
        redis.start()
        moments["started"] = time.perf_counter()

    asyncio.run(open_loop(load, 30, 40, views_rate=5, events=[(10, stop), (20, start)]))
    return _redis_outage_figures(load, pg, moments["stopped"], moments["started"])


def _redis_outage_figures(load: Load, pg: TempPostgres, down: float, up: float) -> dict:
    """What the reports and page views scheduled while Redis was down got, and the rows."""
    during = [r for r in load.results if down <= r.scheduled < up]
    views = [r for r in during if r.kind == "view"]
    after = [r for r in load.results if r.scheduled >= up and r.kind == "post"]
    return {
        "down_seconds": up - down,
        **_reports_while_down([r for r in during if r.kind == "post"]),
        "pages_while_down": len(views),
        "pages_200_while_down": sum(1 for r in views if r.status == 200),
        "refused_after_start": sum(1 for r in after if not r.accepted),
        "accepted": len(load.markers),
        **stored(pg, load),
    }


def _reports_while_down(posts: list) -> dict:
    statuses = {}
    for r in posts:
        statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
    return {
        "reports_while_down": len(posts),
        "accepted_while_down": sum(1 for r in posts if r.accepted),
        "refused_while_down": sum(1 for r in posts if not r.accepted),
        "report_statuses_while_down": dict(sorted(statuses.items())),
        "p99_ms_while_down": percentile([r.seconds * 1000 for r in posts if r.accepted], 99),
    }


def database(pg: TempPostgres, figures: dict) -> None:
    """A database of the benchmark's own in the cluster; pg.url then names it."""
    import psycopg

    db = "einzelfall_load"
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {db}")
        figures["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    pg.url = pg.url.rsplit("/", 1)[0] + "/" + db


def prepare(env: dict, cache_url: str, existing: bool = False):
    """The site set up as `make serve` does; this process configured as the server is, so
    that it makes form stamps as the form page does. Returns the stamp maker."""
    print("setting up: migrate, load_places, collectstatic", file=sys.stderr)
    manage(env, "migrate", "-v0")
    if not existing:
        manage(env, "load_places")
    manage(env, "collectstatic", "--no-input", "-v0")
    if cache_url == REDIS_URL:  # the machine's (a Redis of the benchmark's own is new)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    names = ("SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ENV_FILE", "DATABASE_URL")
    os.environ.update({k: env[k] for k in names})
    import django

    django.setup()
    from complaints.intake import abuse

    def stamp():
        return abuse.form_stamp(shown_before=10)

    return stamp


def measure(load: Load, server: Server, pg: TempPostgres, redis, args, figures: dict) -> None:
    phase = 5 if args.quick else 20
    spike_seconds = 15 if args.quick else 60
    phases = args.phases.split(",")
    asyncio.run(closed_loop(load, "/report/", 3, args.in_flight))  # warm-up
    figures["workers"] = len(server.workers())
    if "throughput" in phases:
        figures["throughput"] = throughput(load, phase, args.in_flight)
    if "spike" in phases:
        figures["spike"] = spike(load, server, pg, spike_seconds)
        print(json.dumps(figures["spike"], indent=1), file=sys.stderr)
    if "outage" in phases:
        figures["outage"] = outage(load, pg)
        print(json.dumps(figures["outage"], indent=1), file=sys.stderr)
    if "redis-outage" in phases:
        if redis is None:
            figures["redis_outage"] = "skipped: no redis-server of the benchmark's own"
        else:
            figures["redis_outage"] = redis_outage(load, pg, redis)
        print(json.dumps(figures["redis_outage"], indent=1), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short phases (a trial run)")
    parser.add_argument("--json", help="write the figures to this file as JSON")
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument(
        "--phases", default=",".join(PHASES), help=f"comma-separated, of: {', '.join(PHASES)}"
    )
    parser.add_argument("--database-url", help="an existing database instead of a cluster")
    args = parser.parse_args()
    unknown = set(args.phases.split(",")) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    if args.database_url and {"outage", "redis-outage"} & set(args.phases.split(",")):
        parser.error("--database-url: throughput and spike only (an outage stops the cluster)")
    # A stop (Ctrl-C, SIGTERM) still stops gunicorn and removes the cluster.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    sys.path.insert(0, str(ROOT))
    pg = server = redis = None
    if shutil.which("redis-server"):
        redis = OwnRedis()
        redis.start()
        cache_url, cache = redis.url, "Redis (the benchmark's own)"
    elif redis_answers():
        cache_url, cache = REDIS_URL, "Redis (the machine's, db 13)"
    else:
        cache_url, cache = "locmemcache://bench", "memory (Redis did not answer)"
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "cache": cache,
    }
    try:
        if args.database_url:
            pg = ExistingPostgres(args.database_url)
            figures["database"] = args.database_url.rsplit("/", 1)[1]
        else:
            pg = TempPostgres()
            pg.start()
            database(pg, figures)
        port = free_port()
        env = server_env(pg, port, cache_url)
        stamp = prepare(env, cache_url, existing=bool(args.database_url))
        server = Server(env, port)
        server.wait()
        measure(Load(server.base, stamp), server, pg, redis, args, figures)
    finally:
        if server:
            server.stop()
        if pg:
            pg.remove()
        if redis:
            redis.remove()
    print(json.dumps(figures, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
