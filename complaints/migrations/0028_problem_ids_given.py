"""A complaint may be inserted with its problem ids already right (the form's one statement
writes the row and its links together): the triggers of 0026 then write nothing more.

Before, a new row's ids were recounted before its insert (BEFORE INSERT), when the links
written by the same statement could not be seen yet: the row was emptied, and the links'
trigger then wrote it a second time. Now the check comes after the statement (one trigger per
statement, with the new rows), and both triggers change only rows whose ids differ from their
links. A copied row that claims ids it has no links for is still corrected. PostgreSQL only:
SQLite's triggers (0026) are unchanged, and the form writes its links apart there.
"""

# ruff: noqa: S608 -- the SQL is built from constant table names only, never from input.
import importlib

from django.db import migrations

ids = importlib.import_module("complaints.migrations.0026_problem_ids")
COMPLAINTS, LINKS, PG_IDS, BY_INDEX = ids.COMPLAINTS, ids.LINKS, ids.PG_IDS, ids.BY_INDEX


def _pg_refresh(affected: str) -> str:
    """One UPDATE of the complaints in `affected` whose ids are not those of their links."""
    own = f"(SELECT {PG_IDS} FROM {LINKS} l WHERE l.complaint_id = c.id)"
    return f"""
        UPDATE {COMPLAINTS} c SET problem_ids = {own}
         WHERE c.id IN ({affected}) AND c.problem_ids IS DISTINCT FROM {own};"""


PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION complaints_problem_ids_links() RETURNS trigger LANGUAGE plpgsql
  {BY_INDEX} AS $$
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

DROP TRIGGER IF EXISTS complaints_problem_ids_new ON {COMPLAINTS};
DROP FUNCTION IF EXISTS complaints_problem_ids_new();

-- Rows inserted with ids: checked against their links once the statement has written them.
CREATE FUNCTION complaints_problem_ids_inserted() RETURNS trigger LANGUAGE plpgsql
  {BY_INDEX} AS $$
BEGIN
  {_pg_refresh("SELECT id FROM new_complaints WHERE problem_ids <> ''")}
  RETURN NULL;
END $$;
CREATE TRIGGER complaints_problem_ids_inserted AFTER INSERT ON {COMPLAINTS}
  REFERENCING NEW TABLE AS new_complaints
  FOR EACH STATEMENT EXECUTE FUNCTION complaints_problem_ids_inserted();
"""

PG_UNINSTALL = f"""
DROP TRIGGER IF EXISTS complaints_problem_ids_inserted ON {COMPLAINTS};
DROP FUNCTION IF EXISTS complaints_problem_ids_inserted();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Back to 0026's triggers (its functions, the links' one included, recreated).
        schema_editor.execute(PG_UNINSTALL + ids.PG_UNINSTALL)
        # 0026's functions and triggers, without its first fill of every complaint.
        schema_editor.execute("CREATE FUNCTION" + ids.PG_INSTALL.split("CREATE FUNCTION", 1)[1])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0027_privacy_text_following_offline"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
