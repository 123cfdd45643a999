"""bench/load.py's machinery: a PostgreSQL cluster of its own and gunicorn as `make serve`
runs it, with bench/load_settings.py (the site's settings plus the floor view)."""

import contextlib
import datetime
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-load-" + uuid.uuid4().hex


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


# Reports are looked up among those submitted since (a minute's margin for the clocks).
STARTED = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)


class ExistingPostgres:
    """A database that exists already (--database-url): used, never stopped or removed."""

    def __init__(self, url: str):
        self.url = url

    def remove(self):
        pass


def stored(pg, load) -> dict:
    """What the database holds of the reports this phase sent, by their tokens."""
    import psycopg

    with psycopg.connect(pg.url) as conn:
        # Only the reports submitted since the benchmark began (by index: ten million rows).
        rows = conn.execute(
            "SELECT substring(description from '\\[([0-9a-f]{32})\\]'), "
            "(SELECT count(*) FROM complaints_complaint_problems p WHERE p.complaint_id = c.id) "
            "FROM complaints_complaint c WHERE c.submitted_at >= %s "
            "AND description ~ '\\[[0-9a-f]{32}\\]'",
            [STARTED],
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


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def served_env(port: int) -> dict:
    """What a bench's gunicorn runs with: make serve's production settings, served locally
    on plain HTTP at 127.0.0.1:port."""
    return {
        "ENV_FILE": os.devnull,
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "EMAIL_URL": "dummymail://",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }


def server_env(pg: TempPostgres, port: int, cache_url: str) -> dict:
    return {
        **os.environ,
        **served_env(port),
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": pg.url,
        "CACHE_URL": cache_url,
        "CLIENT_IP_HEADER": "X-Real-IP",
        "GUNICORN_ACCESS_LOG": os.devnull,
        # make serve's settings, but no worker replaced on the way (max_requests): the RSS of
        # the same workers is compared before and after the spike.
        "GUNICORN_MAX_REQUESTS": "0",
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
