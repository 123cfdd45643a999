"""Production settings: check --deploy is clean, the security headers are on every page."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from .factories import ComplaintFactory

pytestmark = pytest.mark.django_db


# Production collects the static files (hashed names) before anything renders a page.
STATIC_ROOT = os.path.join(tempfile.gettempdir(), f"einzelfall-check-deploy-{os.getpid()}")


@pytest.fixture(scope="module", autouse=True)
def collected_static():
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        env=production_env(),
        check=True,
    )
    yield
    shutil.rmtree(STATIC_ROOT, ignore_errors=True)


def production_env(**changes) -> dict:
    return {
        "STATIC_ROOT": STATIC_ROOT,
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "einzelfall.settings",
        "ENV_FILE": os.devnull,
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2Lm9" * 4,
        "ALLOWED_HOSTS": "einzelfall.example.org",
        "SITE_URL": "https://einzelfall.example.org",
        "CACHE_URL": "redis://127.0.0.1:6379/0",  # only named: check does not connect
        "DATABASE_URL": "sqlite:////tmp/einzelfall-check-deploy.sqlite3",
        **changes,
    }


def test_check_deploy_reports_nothing_under_production_settings():
    env = production_env()
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "path",
    ["/", "/report/", "/stats/", "/stats/data/", "/privacy/", "/nowhere/", "/admin/login/"],
)
def test_every_page_has_a_strict_content_security_policy(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_page_has_inline_script_or_style(client):
    """What the policy would block: an inline <script>, a style attribute or <style>."""
    import re

    complaint = ComplaintFactory()
    for path in ["/", "/report/", "/stats/", f"/report/thanks/{complaint.reference}/"]:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\sstyle=\"", html), path
        assert "<style" not in html, path


def test_no_admin_page_has_inline_script_or_style(organizer_client):
    import re

    complaint = ComplaintFactory()
    for path in [
        "/admin/",
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{complaint.pk}/change/",
        "/admin/complaints/complaint/import/",
        "/admin/complaints/complaint/downloads/",
        "/admin/complaints/place/",
        "/admin/complaints/unmatchedplacename/",
    ]:
        response = organizer_client.get(path)
        html = response.content.decode()
        assert response.status_code == 200 and "Content-Security-Policy" in response, path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\sstyle=\"", html) and "<style" not in html, path


def test_check_deploy_warns_about_a_local_site_url():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env=production_env(SITE_URL="http://127.0.0.1:8000"),
        capture_output=True,
        text=True,
    )
    assert "einzelfall.W002" in result.stdout + result.stderr
