"""Benchmark: submissions under load, a viral spike, and a database outage (issue 9).

Usage: .venv/bin/python bench/load.py [--quick] [--json FILE]

Everything runs on this machine, in one run:

- a PostgreSQL of its own in a temporary directory (initdb, on a free port; as the postgres
  user when run as root), migrated, with the gazetteer loaded; it is removed afterwards;
- gunicorn as `make serve` starts it (einzelfall/gunicorn_conf.py, DEBUG off; only without
  max_requests, so that no worker is replaced during the spike whose memory is watched), with
  the settings of bench/load_settings.py: the site's, plus the floor view /bench/floor/;
- Redis db 13 of the machine's Redis (127.0.0.1:6379) as the cache when it answers (as in
  production: rate limits and form stamps shared by the workers), else the memory cache;
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
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-load-" + uuid.uuid4().hex
REDIS_URL = "redis://127.0.0.1:6379/13"
FRIENDLY_503 = "Gleich wieder da"  # the 503 page's heading (templates/503.html, German)

PLACES = [
    ("Hamburg", "Altona", "22765"),
    ("Hamburg", "Eimsbüttel", ""),
    ("Berlin", "Kreuzberg", "10997"),
    ("Berlin", "", ""),
    ("München", "Schwabing", ""),
    ("Köln", "Ehrenfeld", "50823"),
    ("Frankfurt am Main", "", ""),
    ("Leipzig", "Connewitz", ""),
    ("Dresden", "", "01067"),
    ("Lüneburg", "", ""),
    ("Bad Tölz", "", ""),
    ("Castrop-Rauxel", "", ""),
]
PROBLEMS = ["no-signal", "no-data", "slow-data", "dropped-calls", "sms"]
TEXTS = [
    "Abends bricht die Verbindung ständig ab.",
    "Im Büro kein Empfang, draußen zwei Balken.",
    "Seit dem Update nur noch Edge.",
    "",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bindir() -> Path:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise SystemExit("initdb not found: install PostgreSQL's server package")
    return found[-1].parent


class TempPostgres:
    """A PostgreSQL cluster of the benchmark's own, in a temporary directory."""

    def __init__(self):
        self.bindir = pg_bindir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="einzelfall-bench-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:  # initdb refuses root: the cluster belongs to postgres
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nmax_connections = 100\n"
            )
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program, *args):
        command = [str(self.bindir / program), *map(str, args)]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "start")

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def server_env(pg: TempPostgres, port: int, cache_url: str) -> dict:
    return {
        **os.environ,
        "ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": pg.url,
        "CACHE_URL": cache_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "CLIENT_IP_HEADER": "X-Real-IP",
        "EMAIL_URL": "dummymail://",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": os.devnull,
        # make serve's settings, but no worker replaced on the way (max_requests): the RSS of
        # the same workers is compared before and after the spike.
        "GUNICORN_MAX_REQUESTS": "0",
        "LOG_LEVEL": "WARNING",
    }


class Server:
    """gunicorn as `make serve` runs it (after migrate and collectstatic)."""

    def __init__(self, env: dict, port: int):
        self.env, self.port = env, port
        self.base = f"http://127.0.0.1:{port}"
        log = Path(tempfile.gettempdir()) / f"einzelfall-bench-gunicorn-{port}.log"
        self.log = open(log, "w")  # noqa: SIM115 (open while gunicorn runs)
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "--config",
                str(ROOT / "einzelfall/gunicorn_conf.py"),
                "einzelfall.wsgi",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def rss_mb(self) -> dict[int, float]:
        sizes = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            kb = int(re.search(r"VmRSS:\s+(\d+)", status)[1])
            sizes[pid] = kb / 1024
        return sizes

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def manage(env: dict, *command):
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


# ---------------------------------------------------------------------------------------
# The load generator


class Visitor:
    """One browser: the CSRF cookie and token from loading the form once."""

    def __init__(self, session, base):
        self.session, self.base = session, base
        self.token = None

    async def open_form(self):
        async with self.session.get(self.base + "/report/") as response:
            html = await response.text()
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


class Load:
    def __init__(self, base: str, stamp):
        self.base, self.stamp = base, stamp
        self.rng = random.Random(2011)  # noqa: S311 (made-up reports)
        self.address = 0
        # (scheduled, seconds from scheduled to answer, kind, status, accepted, body); times
        # from time.perf_counter(), so a load generator that falls behind counts as latency.
        self.results = []
        self.markers = set()  # the tokens of accepted reports
        self.sent = set()  # the tokens of every report sent

    def reset(self):
        self.results.clear()
        self.markers.clear()
        self.sent.clear()

    def report(self, marker: str) -> list[tuple[str, str]]:
        city, district, code = self.rng.choice(PLACES)
        data = [
            ("csrfmiddlewaretoken", None),
            ("form_stamp", self.stamp()),
            ("city", city),
            ("district", district),
            ("postal_code", code),
            ("technology", self.rng.choice(["2g", "3g", "4g", "5g", "unknown"])),
            ("frequency", self.rng.choice(["always", "daily", "weekly", "rarely"])),
            ("location", self.rng.choice(["indoor", "outdoor", "both", ""])),
            ("since", f"2026-0{self.rng.randint(1, 9)}"),
            ("description", f"{self.rng.choice(TEXTS)} [{marker}]".strip()),
            ("email", f"leser.{marker}@example.org" if self.rng.random() < 0.3 else ""),
            ("consent", "on"),
        ]
        data += [("problems", p) for p in self.rng.sample(PROBLEMS, self.rng.randint(1, 2))]
        return data

    def next_address(self) -> str:
        self.address += 1
        return f"10.{self.address >> 16 & 255}.{self.address >> 8 & 255}.{self.address & 255}"

    async def post(self, visitor: Visitor, path: str, scheduled: float):
        marker = uuid.uuid4().hex
        self.sent.add(marker)
        data = [
            (k, visitor.token if k == "csrfmiddlewaretoken" else v) for k, v in self.report(marker)
        ]
        headers = {"X-Real-IP": self.next_address()}
        status, body = 0, ""
        try:
            async with visitor.session.post(
                self.base + path, data=data, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
                location = response.headers.get("Location", "")
                body = await response.text()
        except Exception as error:
            location, body = "", f"{type(error).__name__}: {error}"
        seconds = time.perf_counter() - scheduled
        accepted = status == 302 and (
            "/report/thanks/" in location if path == "/report/" else location == "/"
        )
        if accepted:
            self.markers.add(marker)
        self.results.append((scheduled, seconds, "post", status, accepted, body))

    async def view(self, session, path: str, scheduled: float):
        status, body = 0, ""
        try:
            async with session.get(self.base + path) as response:
                status, body = response.status, await response.text()
        except Exception as error:
            body = f"{type(error).__name__}: {error}"
        self.results.append(
            (scheduled, time.perf_counter() - scheduled, "view", status, False, body)
        )


async def sessions(base: str, count: int):
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    shared = aiohttp.ClientSession(connector=connector, timeout=timeout)
    visitors = []
    for _ in range(count):
        session = aiohttp.ClientSession(
            connector=connector,
            connector_owner=False,
            timeout=timeout,
            cookie_jar=aiohttp.CookieJar(unsafe=True),
        )
        visitor = Visitor(session, base)
        await visitor.open_form()
        visitors.append(visitor)
    return shared, visitors


async def close(shared, visitors):
    for visitor in visitors:
        await visitor.session.close()
    await shared.close()


async def closed_loop(load: Load, path: str, seconds: float, in_flight: int) -> float:
    """Requests back to back from in_flight visitors for `seconds`: accepted per second."""
    shared, visitors = await sessions(load.base, in_flight)
    before = len(load.markers)
    deadline = time.perf_counter() + seconds

    async def worker(visitor):
        while time.perf_counter() < deadline:
            await load.post(visitor, path, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(worker(v) for v in visitors))
    elapsed = time.perf_counter() - started
    await close(shared, visitors)
    return (len(load.markers) - before) / elapsed


async def open_loop(load: Load, rate: float, seconds: float, views_rate: float = 0, events=()):
    """Reports started on schedule (rate per second) for `seconds`, and page views; events:
    (at seconds, function) run in a thread on the way. Returns the start time."""
    shared, visitors = await sessions(load.base, 50)
    tasks = []
    start = time.perf_counter()
    pending = sorted(events, key=lambda e: e[0])
    n, v = 0, 0
    loop = asyncio.get_running_loop()
    event_tasks = []
    while True:
        now = time.perf_counter() - start
        if now >= seconds:
            break
        while pending and pending[0][0] <= now:
            event_tasks.append(loop.run_in_executor(None, pending.pop(0)[1]))
        while n / rate <= now:
            tasks.append(
                asyncio.create_task(
                    load.post(visitors[n % len(visitors)], "/report/", start + n / rate)
                )
            )
            n += 1
        while views_rate and v / views_rate <= now:
            path = ("/", "/stats/", "/report/")[v % 3]
            tasks.append(asyncio.create_task(load.view(shared, path, start + v / views_rate)))
            v += 1
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks, *event_tasks)
    await close(shared, visitors)
    return start


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------------------------------


def stored(pg: TempPostgres, load: Load) -> dict:
    """What the database holds of the reports this phase sent, by their tokens."""
    import psycopg

    with psycopg.connect(pg.url) as conn:
        rows = conn.execute(
            "SELECT substring(description from '\\[([0-9a-f]{32})\\]'), "
            "(SELECT count(*) FROM complaints_complaint_problems p WHERE p.complaint_id = c.id) "
            "FROM complaints_complaint c WHERE description ~ '\\[[0-9a-f]{32}\\]'"
        ).fetchall()
    rows = [(token, problems) for token, problems in rows if token in load.sent]
    tokens = [token for token, _ in rows]
    return {
        "rows": len(rows),
        "distinct": len(set(tokens)),
        "without_problems": sum(1 for _, problems in rows if problems == 0),
        "accepted_not_stored": len(load.markers - set(tokens)),
        "stored_not_accepted": len(set(tokens) - load.markers),
    }


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
    posts = [r for r in load.results if r[2] == "post"]
    statuses = {}
    for r in posts:
        statuses[str(r[3])] = statuses.get(str(r[3]), 0) + 1
    accepted_ms = [r[1] * 1000 for r in posts if r[4]]
    # Only workers present from the first sample to the last: a worker replaced on the way
    # (it should not be: the server runs without max_requests here) is reported, not compared.
    steady = set(rss[0]) & set(rss[-1]) if rss else set()
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
        "workers_replaced": len({pid for sample in rss for pid in sample} - steady),
        "rss_mb": {
            str(pid): {
                "first": rss[0][pid],
                "last": rss[-1][pid],
                "max": max(sample[pid] for sample in rss if pid in sample),
            }
            for pid in sorted(steady)
        },
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
    # Every request that began while the database was down, however long it took.
    during = [r for r in load.results if down <= r[0] < restart]

    def friendly(r):
        return r[3] == 503 and FRIENDLY_503 in r[5]

    def cached_view(r):  # a page the cache still had: better than the 503 page
        return r[2] == "view" and r[3] == 200

    recovered = [r[0] + r[1] for r in load.results if r[2] == "post" and r[4] and r[0] >= restart]
    later = [r for r in load.results if r[0] >= up + 5]
    return {
        "down_seconds": restart - down,
        "requests_while_down": len(during),
        "friendly_503": sum(1 for r in during if friendly(r)),
        "cached_pages_while_down": sum(1 for r in during if cached_view(r)),
        "not_friendly": sum(1 for r in during if not (friendly(r) or cached_view(r))),
        "other_answers_while_down": sorted(
            {str(r[3]) for r in during if not (friendly(r) or cached_view(r))}
        ),
        "slowest_answer_while_down_s": max((r[1] for r in during), default=0),
        "pg_start_seconds": up - restart,
        # From the moment PostgreSQL was told to start (its own start-up time included).
        "recovery_s": (min(recovered) - restart) if recovered else None,
        "failures_5s_after_start": sum(1 for r in later if r[3] >= 500 or r[3] == 0),
        "accepted": len(load.markers),
        **stored(pg, load),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="short phases (a trial run)")
    parser.add_argument("--json", help="write the figures to this file as JSON")
    parser.add_argument("--in-flight", type=int, default=16)
    args = parser.parse_args()
    phase = 5 if args.quick else 20
    spike_seconds = 15 if args.quick else 60
    # A stop (Ctrl-C, SIGTERM) still stops gunicorn and removes the cluster.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    sys.path.insert(0, str(ROOT))
    cache_url = REDIS_URL if redis_answers() else "locmemcache://bench"
    pg = server = None
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "cache": "Redis" if cache_url == REDIS_URL else "memory (Redis did not answer)",
    }
    try:
        pg = TempPostgres()
        pg.start()
        db = "einzelfall_load"
        import psycopg

        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {db}")
            figures["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        pg.url = pg.url.rsplit("/", 1)[0] + "/" + db
        port = free_port()
        env = server_env(pg, port, cache_url)
        print("setting up: migrate, load_places, collectstatic", file=sys.stderr)
        manage(env, "migrate", "-v0")
        manage(env, "load_places")
        manage(env, "collectstatic", "--no-input", "-v0")
        if cache_url == REDIS_URL:
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
        names = ("SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ENV_FILE", "DATABASE_URL")
        os.environ.update({k: env[k] for k in names})
        import django

        django.setup()
        from complaints.intake import abuse

        def stamp():
            return abuse.form_stamp(shown_before=10)

        server = Server(env, port)
        server.wait()
        load = Load(server.base, stamp)
        asyncio.run(closed_loop(load, "/report/", 3, args.in_flight))  # warm-up
        figures["workers"] = len(server.workers())
        figures["throughput"] = throughput(load, phase, args.in_flight)
        figures["spike"] = spike(load, server, pg, spike_seconds)
        print(json.dumps(figures["spike"], indent=1), file=sys.stderr)
        figures["outage"] = outage(load, pg)
        print(json.dumps(figures["outage"], indent=1), file=sys.stderr)
    finally:
        if server:
            server.stop()
        if pg:
            pg.remove()
    print(json.dumps(figures, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
