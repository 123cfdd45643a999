"""Pins of what the import (complaints/carrier/imports/) and the admin's import pages
(complaints/admin.py) take from django-import-export, tablib and psycopg: the versions, every
hook overridden or called by name with the parameters used, and the order the hooks run in.

The import re-implements parts of import-export's per-row pipeline for speed: an upgrade that
renames a hook, changes its parameters or the order of its calls would otherwise break it
silently (an override nobody calls). When one of these fails after an upgrade: read the
library's release notes, compare each override named in the message with the library's new
method, run tests/test_imports.py and tests/test_limits.py on SQLite and PostgreSQL, then
update the pin here and in requirements.txt."""

import importlib.metadata
import inspect
import re
from pathlib import Path

import pytest
from import_export import admin, fields, resources, results, tmp_storages, widgets
from import_export.formats import base_formats

from complaints.carrier.imports import LegacyComplaintResource, LegacyCSV

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"
UPGRADE = (
    "On an upgrade, read the release notes and check the overrides in "
    "complaints/carrier/imports/ and complaints/admin.py (see this module's docstring)."
)


def pinned(distribution: str) -> str:
    pattern = rf"^{re.escape(distribution)}(?:\[[^\]]*\])?==(\S+)"
    found = re.search(pattern, REQUIREMENTS.read_text(), re.MULTILINE | re.IGNORECASE)
    assert found, f"{distribution} is not pinned (==) in requirements.txt"
    return found[1]


@pytest.mark.parametrize(
    ("distribution", "relied_on"),
    [
        ("django-import-export", "Resource's pipeline, Diff, Field, widgets, formats, storage"),
        ("tablib", "Dataset(*rows, headers=...), Dataset.headers and height"),
        ("psycopg", "Cursor.copy(writer=QueuedLibpqWriter(...)) and Copy.write_row"),
    ],
)
def test_the_installed_version_is_the_pinned_one(distribution, relied_on):
    installed = importlib.metadata.version(distribution)
    assert installed == pinned(distribution), (
        f"{distribution} {installed} is installed, requirements.txt pins {pinned(distribution)}. "
        f"The import relies on: {relied_on}. {UPGRADE}"
    )


# (class, method, the parameters relied on, in order; "**kwargs": extra keywords passed on)
HOOKS = [
    # Overridden by LegacyComplaintResource (complaints/carrier/imports/resource.py).
    (
        resources.Resource,
        "import_data",
        [
            "self",
            "dataset",
            "dry_run",
            "raise_errors",
            "use_transactions",
            "rollback_on_validation_errors",
            "**kwargs",
        ],
    ),
    (resources.Resource, "import_data_inner", ["self", "dataset", "dry_run", "raise_errors"]),
    (resources.Resource, "before_import", ["self", "dataset", "**kwargs"]),
    (resources.Resource, "import_row", ["self", "row", "instance_loader", "**kwargs"]),
    (resources.ModelResource, "init_instance", ["self", "row"]),
    (resources.Resource, "import_instance", ["self", "instance", "row", "**kwargs"]),
    (resources.Resource, "save_instance", ["self", "instance", "is_create", "row", "**kwargs"]),
    (
        resources.Resource,
        "bulk_create",
        ["self", "using_transactions", "dry_run", "raise_errors", "batch_size", "result"],
    ),
    (resources.Resource, "after_import", ["self", "dataset", "result", "**kwargs"]),
    (resources.ModelResource, "after_import", ["self", "dataset", "result", "**kwargs"]),
    (resources.Resource, "get_import_fields", ["self"]),
    (resources.Resource, "get_diff_class", []),
    # Called by name.
    (resources.Resource, "get_result_class", []),
    (resources.Resource, "get_row_result_class", []),
    (resources.Resource, "get_error_result_class", []),
    (resources.Resource, "handle_import_error", ["self", "result", "error", "raise_errors"]),
    (results.Error, "__init__", ["self", "error", "row", "number"]),
    (results.Result, "append_base_error", ["self", "error"]),
    (results.Result, "has_errors", ["self"]),
    (results.Result, "has_validation_errors", ["self"]),
    (results.RowResult, "add_instance_info", ["self", "instance"]),
    # The preview's values (PreviewDiff).
    (resources.Diff, "__init__", ["self", "resource", "instance", "new"]),
    (resources.Diff, "compare_with", ["self", "resource", "instance"]),
    (resources.Diff, "as_html", ["self"]),
    # Fields and widgets (resource.py, widgets.py).
    (fields.Field, "__init__", ["self", "attribute", "column_name", "widget", "default"]),
    (fields.Field, "clean", ["self", "row", "**kwargs"]),
    (widgets.Widget, "clean", ["self", "value", "row", "**kwargs"]),
    (widgets.CharWidget, "__init__", ["self", "coerce_to_string", "allow_blank"]),
    # The formats (files.py).
    (base_formats.TextFormat, "create_dataset", ["self", "in_stream", "**kwargs"]),
    (base_formats.TextFormat, "get_title", ["self"]),
    (base_formats.TextFormat, "is_binary", ["self"]),
    (base_formats.TextFormat, "get_read_mode", ["self"]),
    (base_formats.XLSX, "create_dataset", ["self", "in_stream"]),
    # The upload waiting for its confirmation (storage.py).
    (tmp_storages.CacheStorage, "__init__", ["self", "**kwargs"]),
    (tmp_storages.CacheStorage, "save", ["self", "data"]),
    (tmp_storages.CacheStorage, "read", ["self"]),
    (tmp_storages.CacheStorage, "remove", ["self"]),
    # Overridden or called by ComplaintAdmin (complaints/admin.py).
    (admin.ImportMixin, "process_import", ["self", "request", "**kwargs"]),
    (admin.ImportMixin, "import_action", ["self", "request", "**kwargs"]),
    (admin.ImportMixin, "add_data_read_fail_error_to_form", ["self", "form", "e"]),
    (admin.ImportMixin, "process_dataset", ["self", "dataset", "form", "request", "**kwargs"]),
    (admin.ImportMixin, "add_success_message", ["self", "result", "request"]),
    (admin.ImportMixin, "process_result", ["self", "result", "request"]),
    (admin.ImportMixin, "create_confirm_form", ["self", "request"]),
]


def parameters(function) -> list[str]:
    return [
        f"**{p.name}" if p.kind is p.VAR_KEYWORD else p.name
        for p in inspect.signature(function).parameters.values()
    ]


@pytest.mark.parametrize(
    ("owner", "name", "relied_on"),
    HOOKS,
    ids=[f"{owner.__name__}.{name}" for owner, name, _ in HOOKS],
)
def test_every_hook_the_import_uses_is_still_there(owner, name, relied_on):
    where = f"{owner.__module__}.{owner.__qualname__}.{name}"
    function = getattr(owner, name, None)
    assert callable(function), f"{where} is gone. {UPGRADE}"
    found = parameters(function)
    # In this order (the names we pass by position or keyword), others may lie between.
    positions = [found.index(p) if p in found else -1 for p in relied_on]
    assert -1 not in positions and positions == sorted(positions), (
        f"{where} takes ({', '.join(found)}); the import relies on "
        f"({', '.join(relied_on)}). {UPGRADE}"
    )


def test_the_attributes_the_import_reads_are_still_there():
    field = fields.Field(attribute="city", column_name="city")
    for attribute in ("column_name", "attribute", "widget", "default", "saves_null_values"):
        assert hasattr(field, attribute), f"Field.{attribute} is gone. {UPGRADE}"
    assert fields.Field.empty_values == [None, ""], f"Field.empty_values changed. {UPGRADE}"
    assert widgets.CharWidget().allow_blank is True, f"CharWidget.allow_blank. {UPGRADE}"
    for name in ("IMPORT_TYPE_NEW", "IMPORT_TYPE_INVALID", "IMPORT_TYPE_ERROR"):
        assert hasattr(results.RowResult, name), f"RowResult.{name} is gone. {UPGRADE}"
    row_result = results.RowResult()
    for attribute in ("import_type", "validation_error", "errors"):
        assert hasattr(row_result, attribute), f"RowResult.{attribute} is gone. {UPGRADE}"
    resource = LegacyComplaintResource()
    assert resource.create_instances == [], f"Resource.create_instances is gone. {UPGRADE}"
    options = ("use_bulk", "batch_size", "skip_diff", "skip_unchanged", "clean_model_instances")
    for option in (*options, "import_id_fields", "force_init_instance"):
        assert hasattr(resource._meta, option), f"Resource Meta.{option} is gone. {UPGRADE}"
    # The claims of imported files live under the storage's prefix for 30 days: a new prefix
    # would forget every file imported before the upgrade.
    assert tmp_storages.CacheStorage.CACHE_PREFIX == "django-import-export-", UPGRADE


HOOK_CALLS = ("before_import", "import_row", "bulk_create", "after_import")


def recording(calls: list):
    """LegacyComplaintResource, writing down the hooks import-export calls, in order."""

    class Recording(LegacyComplaintResource):
        pass

    def hook(name):
        def record(self, *args, **kwargs):
            number = kwargs.get("row_number") if name == "import_row" else None
            calls.append(name if number is None else f"{name} {number}")
            return getattr(LegacyComplaintResource, name)(self, *args, **kwargs)

        return record

    for name in HOOK_CALLS:
        setattr(Recording, name, hook(name))
    return Recording


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [False, True])
def test_import_export_calls_the_hooks_in_the_order_the_import_relies_on(dry_run):
    """before_import first (it reads the headers and the number of rows), every row with its
    row_number, bulk_create after the last row (the links of the streamed complaints),
    after_import last (the check of the places and problem types)."""
    calls = []
    content = b"city;problems\r\nHamburg;no-data\r\nBerlin;sms\r\n"
    result = recording(calls)().import_data(LegacyCSV().create_dataset(content), dry_run=dry_run)
    assert not result.has_errors() and not result.has_validation_errors()
    assert calls == [
        "before_import",
        "import_row 1",
        "import_row 2",
        "bulk_create",
        "after_import",
    ], f"import-export calls the hooks in another order: {calls}. {UPGRADE}"
