"""Each complaint's problem ids on the complaint (column problem_ids), kept by the database.

Links are written by many paths (the form, the admin, imports with COPY, seed_demo, raw SQL),
so triggers on the links table keep the column, not the code: on PostgreSQL one statement-level
trigger per event with transition tables (a COPY of a million links is one grouped UPDATE), on
SQLite row-level triggers. A save of a complaint writes every column, the stale one included: a
trigger on the complaint keeps the value of the links instead (PostgreSQL: any change not made
by the links' trigger is undone; SQLite: recounted from the links).
"""

# ruff: noqa: S608 -- the SQL is built from constant table names only, never from input.
from django.db import migrations, models

COMPLAINTS = "complaints_complaint"
LINKS = "complaints_complaint_problems"

# -- PostgreSQL --------------------------------------------------------------------------------

PG_IDS = "coalesce(string_agg(l.problemtype_id::text, ';' ORDER BY l.problemtype_id), '')"


def _pg_refresh(affected: str) -> str:
    """One UPDATE of the complaints whose ids are in `affected`, each from its own links."""
    return f"""
        UPDATE {COMPLAINTS} c
           SET problem_ids = (SELECT {PG_IDS} FROM {LINKS} l WHERE l.complaint_id = c.id)
         WHERE c.id IN ({affected});"""


# The functions' statements look rows up by index only (SET: while the function runs): with
# the statistics of nearly empty tables (a bulk write before autovacuum came by) the planner
# would scan the links once per complaint (issue 20's 241 s); a form's one link must not scan
# a million complaints either.
BY_INDEX = "SET enable_seqscan = off"

PG_INSTALL = f"""
-- Every complaint with links; no nested loop whatever the statistics say.
SET LOCAL enable_nestloop = off;
UPDATE {COMPLAINTS} c SET problem_ids = g.ids
  FROM (SELECT l.complaint_id, {PG_IDS} AS ids FROM {LINKS} l GROUP BY l.complaint_id) g
 WHERE c.id = g.complaint_id;
RESET enable_nestloop;

CREATE FUNCTION complaints_problem_ids_links() RETURNS trigger LANGUAGE plpgsql {BY_INDEX} AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_pg_refresh("SELECT DISTINCT complaint_id FROM new_links")}
  ELSIF TG_OP = 'DELETE' THEN
    {_pg_refresh("SELECT DISTINCT complaint_id FROM old_links")}
  ELSE
    {_pg_refresh("SELECT complaint_id FROM new_links UNION SELECT complaint_id FROM old_links")}
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER complaints_problem_ids_insert AFTER INSERT ON {LINKS}
  REFERENCING NEW TABLE AS new_links
  FOR EACH STATEMENT EXECUTE FUNCTION complaints_problem_ids_links();
CREATE TRIGGER complaints_problem_ids_delete AFTER DELETE ON {LINKS}
  REFERENCING OLD TABLE AS old_links
  FOR EACH STATEMENT EXECUTE FUNCTION complaints_problem_ids_links();
CREATE TRIGGER complaints_problem_ids_update AFTER UPDATE ON {LINKS}
  REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
  FOR EACH STATEMENT EXECUTE FUNCTION complaints_problem_ids_links();

-- A change of the column by anyone but the links' trigger (depth 2) is undone: a save of a
-- complaint read before its links were written must not put the old ids back.
CREATE FUNCTION complaints_problem_ids_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    NEW.problem_ids := OLD.problem_ids;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER complaints_problem_ids_kept BEFORE UPDATE OF problem_ids ON {COMPLAINTS}
  FOR EACH ROW WHEN (NEW.problem_ids IS DISTINCT FROM OLD.problem_ids)
  EXECUTE FUNCTION complaints_problem_ids_kept();

-- A new complaint has no links yet, unless written with them first (deferred foreign keys)
-- or copied with ids from another row: then its own links count.
CREATE FUNCTION complaints_problem_ids_new() RETURNS trigger LANGUAGE plpgsql {BY_INDEX} AS $$
BEGIN
  NEW.problem_ids := (SELECT {PG_IDS} FROM {LINKS} l WHERE l.complaint_id = NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER complaints_problem_ids_new BEFORE INSERT ON {COMPLAINTS}
  FOR EACH ROW WHEN (NEW.problem_ids <> '')
  EXECUTE FUNCTION complaints_problem_ids_new();
"""

PG_UNINSTALL = f"""
DROP TRIGGER IF EXISTS complaints_problem_ids_new ON {COMPLAINTS};
DROP TRIGGER IF EXISTS complaints_problem_ids_kept ON {COMPLAINTS};
DROP TRIGGER IF EXISTS complaints_problem_ids_insert ON {LINKS};
DROP TRIGGER IF EXISTS complaints_problem_ids_delete ON {LINKS};
DROP TRIGGER IF EXISTS complaints_problem_ids_update ON {LINKS};
DROP FUNCTION IF EXISTS complaints_problem_ids_new();
DROP FUNCTION IF EXISTS complaints_problem_ids_kept();
DROP FUNCTION IF EXISTS complaints_problem_ids_links();
"""

# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_ids(complaint: str) -> str:
    # group_concat keeps the order of its ordered subquery.
    return (
        "coalesce((SELECT group_concat(problemtype_id, ';') FROM (SELECT problemtype_id"
        f" FROM {LINKS} WHERE complaint_id = {complaint} ORDER BY problemtype_id)), '')"
    )


def _sqlite_refresh(complaint: str) -> str:
    return (
        f"UPDATE {COMPLAINTS} SET problem_ids = {_sqlite_ids(complaint)}"
        f" WHERE id = {complaint} AND problem_ids IS NOT {_sqlite_ids(complaint)};"
    )


SQLITE_INSTALL = [
    f"UPDATE {COMPLAINTS} SET problem_ids = {_sqlite_ids(COMPLAINTS + '.id')}"
    f" WHERE id IN (SELECT complaint_id FROM {LINKS})",
    f"CREATE TRIGGER complaints_problem_ids_insert AFTER INSERT ON {LINKS}"
    f" BEGIN {_sqlite_refresh('NEW.complaint_id')} END",
    f"CREATE TRIGGER complaints_problem_ids_delete AFTER DELETE ON {LINKS}"
    f" BEGIN {_sqlite_refresh('OLD.complaint_id')} END",
    f"CREATE TRIGGER complaints_problem_ids_update AFTER UPDATE ON {LINKS}"
    f" BEGIN {_sqlite_refresh('OLD.complaint_id')} {_sqlite_refresh('NEW.complaint_id')} END",
    # Any other change of the column (a save of a stale complaint, a copied row) is recounted.
    # SQLite's triggers do not fire themselves (recursive_triggers is off).
    f"CREATE TRIGGER complaints_problem_ids_kept AFTER UPDATE OF problem_ids ON {COMPLAINTS}"
    f" WHEN NEW.problem_ids IS NOT {_sqlite_ids('NEW.id')}"
    f" BEGIN {_sqlite_refresh('NEW.id')} END",
    f"CREATE TRIGGER complaints_problem_ids_new AFTER INSERT ON {COMPLAINTS}"
    f" WHEN NEW.problem_ids <> '' BEGIN {_sqlite_refresh('NEW.id')} END",
]
SQLITE_TRIGGERS = ["insert", "delete", "update", "kept", "new"]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INSTALL)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"problem_ids: no triggers for {vendor}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UNINSTALL)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS complaints_problem_ids_{name}")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0025_offline_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="problem_id_list",
            field=models.TextField(
                blank=True, db_column="problem_ids", db_default="", default="", editable=False
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
