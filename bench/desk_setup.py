"""The desk benchmark's set-up (bench/desk.py): its database of a million complaints with a
pending backlog and forensics keys, its moderator, the queue put back before each run, the
server, and the check of what the database recorded."""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _db import ROOT, base, from_template, seed, seeded_base
from load_server import Server, free_port, redis_answers, served_env

DB = "einzelfall_bench_desk"
USERNAME = "bench-moderator"
PASSWORD = "bench-desk-moderator-2011"  # noqa: S105 (a local benchmark database only)
REDIS_URL = "redis://127.0.0.1:6379/12"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What the database's comment says once the set-up is complete (a half-built one is rebuilt).
READY = "einzelfall bench desk: count={count} pending={pending}"

# The forensics keys, shaped like intake's (complaints/intake/forensics.py): 64 hex digits,
# reports grouped by network, by email domain and by near-identical redacted text.
FORENSICS_SQL = """
UPDATE complaints_complaint SET
  network_hash = encode(sha256(('net' || floor(random() * 300000)::text)::bytea), 'hex'),
  email_domain_hash = CASE WHEN email = '' THEN '' ELSE encode(sha256(('dom' || (
      CASE WHEN r < 0.3 THEN 'gmail.com' WHEN r < 0.5 THEN 'web.de' WHEN r < 0.7 THEN 'gmx.de'
           WHEN r < 0.8 THEN 't-online.de' ELSE floor(random() * 5000)::text END
    ))::bytea), 'hex') END,
  description_fingerprint = CASE
    WHEN length(regexp_replace(description_redacted, '[^[:alpha:]]', '', 'g')) < 25 THEN ''
    ELSE encode(sha256(('txt' || lower(regexp_replace(
      description_redacted, '[^[:alpha:]]', '', 'g')))::bytea), 'hex') END
FROM (SELECT id AS rid, random() AS r FROM complaints_complaint) AS draw
WHERE draw.rid = complaints_complaint.id
"""


def _connect(pg: str, name: str, **kwargs):
    import psycopg

    return psycopg.connect(f"{pg}/{name}", **kwargs)


def _manage(env: dict, *command, quiet=True):
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *command],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def database(pg: str, db: str, count: int, pending: int, env: dict, keep: bool) -> dict:
    """The benchmark's database (reused when --keep and complete); the environment for it."""
    ready = READY.format(count=count, pending=pending)
    with _connect(pg, "postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [db],
        ).fetchone()
        reuse = keep and row is not None and row[0] == ready
        template = None if reuse or count <= base() else seeded_base(conn, pg)
        if not reuse:
            conn.execute(f"DROP DATABASE IF EXISTS {db}")
            conn.execute(f"CREATE DATABASE {db}" + (f" TEMPLATE {template}" if template else ""))
    env = {**env, "DATABASE_URL": f"{pg}/{db}"}
    if reuse:
        print(f"reusing {db} ({ready})", file=sys.stderr)
        return env
    started = time.monotonic()
    if template:
        # Ten million: the export's seeded million (all published) copied as a template, its
        # newest reports made the backlog, then copied in SQL (the copies keep both).
        print(f"{db}: a copy of {template}", file=sys.stderr)
        from_template(pg, db, count, env, before_copies=lambda c: reopen(c, pending))
    elif count > base():
        _manage(env, "migrate", "-v0")
        _manage(env, "load_places")
        # A seeded million given its backlog and forensics keys, then copied in SQL.
        seed(pg, db, count, env, all_published=False, before_copies=lambda c: backlog(c, pending))
    else:
        _manage(env, "migrate", "-v0")
        _manage(env, "load_places")
        _manage(env, "seed_demo", "--count", str(count), "--seed", "1")
        print(f"seeded in {time.monotonic() - started:.0f} s", file=sys.stderr)
    with _connect(pg, db, autocommit=True) as conn:
        # The backlog (the copies' published, when copied) and, unless drawn before, the keys.
        backlog(conn, pending, forensics=count <= base())
        conn.execute("VACUUM ANALYZE")
        conn.execute(f"COMMENT ON DATABASE {db} IS '{ready}'")
    print(f"set up in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return env


def reopen(conn, pending: int) -> None:
    """The newest `pending` reports of an all-published database made pending again (the
    ten-million desk copied from the export's million): the desk's backlog, with the
    forensics keys drawn."""
    with conn.transaction():
        conn.execute(
            """
            UPDATE complaints_complaint SET status = 'pending', moderated_at = NULL,
              moderated_by_id = NULL, moderated_by_rule = ''
            WHERE id IN (SELECT id FROM complaints_complaint
                         ORDER BY submitted_at DESC, id DESC LIMIT %s)
            """,
            [pending],
        )
        conn.execute(FORENSICS_SQL)


def backlog(conn, pending: int, *, forensics: bool = True) -> None:
    """Every pending report published but the newest `pending`; the forensics keys drawn."""
    with conn.transaction():
        conn.execute(
            """
            UPDATE complaints_complaint SET status = 'published',
              moderated_at = LEAST(submitted_at + interval '3 hours', now()),
              moderated_by_id = (SELECT id FROM auth_user WHERE username = 'demo-moderator')
            WHERE status = 'pending' AND id NOT IN (
              SELECT id FROM complaints_complaint WHERE status = 'pending'
              ORDER BY submitted_at DESC, id DESC LIMIT %s)
            """,
            [pending],
        )
        if forensics:
            conn.execute(FORENSICS_SQL)


def moderator(env: dict) -> None:
    """The benchmark's moderator: staff, group Moderator, a known password."""
    code = (
        "from django.contrib.auth import get_user_model\n"
        "from django.contrib.auth.models import Group\n"
        f"user, _ = get_user_model().objects.get_or_create(username={USERNAME!r})\n"
        "user.is_staff = True\n"
        "user.is_superuser = False\n"
        f"user.set_password({PASSWORD!r})\n"
        "user.save()\n"
        "user.groups.set([Group.objects.get(name='Moderator')])\n"
    )
    _manage(env, "shell", "-c", code)


def reset_queue(pg: str, db: str) -> int:
    """The reports the benchmark's moderator decided before are pending again; the pending
    count afterwards."""
    with _connect(pg, db) as conn, conn.transaction():
        user = conn.execute("SELECT id FROM auth_user WHERE username = %s", [USERNAME]).fetchone()
        if user:
            decided = (
                "SELECT complaint_id FROM complaints_moderationdecision WHERE moderator_id = %s"
            )
            conn.execute(
                f"""
                UPDATE complaints_complaint SET status = 'pending', moderated_at = NULL,
                  moderated_by_id = NULL, rejection_reason_id = NULL, moderated_by_rule = ''
                WHERE id IN ({decided})
                """,
                [user[0]],
            )
            conn.execute(
                f"DELETE FROM complaints_moderationdecision WHERE complaint_id IN ({decided})",
                [user[0]],
            )
            conn.execute(
                "UPDATE complaints_complaint SET desk_claimed_by_id = NULL, "
                "desk_claimed_until = NULL WHERE desk_claimed_by_id IS NOT NULL"
            )
        return conn.execute(
            "SELECT count(*) FROM complaints_complaint WHERE status = 'pending'"
        ).fetchone()[0]


class AccessLog:
    """gunicorn's access log ('"METHOD PATH" STATUS BYTES MSms', einzelfall/gunicorn_conf.py):
    what the server answered, in order, with its time."""

    LINE = re.compile(r'"(\S+) (\S+)" (\d+) \S+ (\d+)ms')

    def __init__(self, path: Path):
        self.path = path

    def lines(self) -> list[tuple[str, str, int, int]]:
        found = []
        for line in self.path.read_text().splitlines():
            match = self.LINE.search(line)
            if match:
                method, path, status, ms = match.groups()
                found.append((method, path, int(status), int(ms)))
        return found


def server(env: dict) -> Server:
    """gunicorn as `make serve` runs it, its access log in a file of its own."""
    port = free_port()
    static = tempfile.mkdtemp(prefix="einzelfall-bench-desk-static-")
    env = {
        **env,
        **served_env(port),
        "DJANGO_SETTINGS_MODULE": "einzelfall.settings",
        "STATIC_ROOT": static,
        "CACHE_URL": REDIS_URL if redis_answers() else "locmemcache://bench-desk",
        "GUNICORN_ACCESS_LOG": os.path.join(static, "access.log"),
    }
    _manage(env, "collectstatic", "--no-input", "-v0")
    started = Server(env, port)
    started.wait()
    started.access_log = AccessLog(Path(static) / "access.log")
    started.static = static
    return started


# What the script waits on after a key (the desk's card carries its report's number).
def recorded(pg: str, db: str) -> dict:
    """The decisions the database holds of the benchmark's moderator, by way and status: the
    check that every key did what the plan says."""
    with _connect(pg, db) as conn:
        rows = conn.execute(
            "SELECT d.via || '.' || d.status, count(*), count(d.reason_id) "
            "FROM complaints_moderationdecision d JOIN auth_user u ON u.id = d.moderator_id "
            "WHERE u.username = %s GROUP BY 1",
            [USERNAME],
        ).fetchall()
    found = {key: count for key, count, _ in rows}
    found["with_reason"] = sum(reasons for _, _, reasons in rows)
    return found


def expected(actions: list[str], baseline_count: int) -> dict:
    statuses = {"p": "published", "r": "rejected", "s": "spam"}
    found = {}
    for action in actions:
        if action != "j":
            key = "desk." + statuses[action[0]]
            found[key] = found.get(key, 0) + 1
    found["page.published"] = baseline_count
    found["with_reason"] = found.get("desk.rejected", 0)
    return found


def newest_pending(pg: str, db: str, count: int) -> list[int]:
    with _connect(pg, db) as conn:
        rows = conn.execute(
            "SELECT id FROM complaints_complaint WHERE status = 'pending' "
            "ORDER BY submitted_at DESC, id DESC LIMIT %s",
            [count],
        ).fetchall()
    return [pk for (pk,) in rows]
