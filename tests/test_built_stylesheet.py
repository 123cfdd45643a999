"""The Bootstrap subset is built, not committed: `check --deploy` says so when it is missing
(a deploy that forgot bin/build_css.py served a 500 on every page, the error page too)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from complaints import checks


def test_the_built_stylesheet_passes_the_deploy_check():
    assert checks.built_stylesheet_check(None) == []


def test_a_missing_stylesheet_fails_the_deploy_check(monkeypatch):
    monkeypatch.setattr(checks, "STYLESHEETS", ("build/not-built.css", "css/site.css"))
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", "--deploy", stdout=StringIO(), stderr=StringIO())
    assert "einzelfall.E001" in str(raised.value)
    assert "bin/build_css.py" in str(raised.value)
