"""What the benchmarks share: a PostgreSQL database with the gazetteer and demo complaints."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seeded_database(pg: str, name: str, count: int, env: dict, keep: bool) -> dict:
    """Create database `name` with `count` published demo complaints (reused as it is when
    `keep` and it exists); the environment to run the project against it."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (keep and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
            exists = None
    env = {**env, "DATABASE_URL": f"{pg}/{name}"}
    if not exists:
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (
            ["migrate", "-v0"],
            ["load_places"],
            ["seed_demo", "--count", str(count), "--all-published", "--seed", "1"],
        ):
            subprocess.run(
                [*manage, *command],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        with psycopg.connect(f"{pg}/{name}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    return env


def drop_database(pg: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


def write_figures(path: str | None, figures: dict) -> None:
    """The figures of one run as JSON, for bench/run.py (make bench)."""
    if path:
        import json

        Path(path).write_text(json.dumps(figures, indent=1))
