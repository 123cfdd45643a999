from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.checks import Error, Warning, register

from einzelfall.assets import STYLESHEETS


@register(deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """Several app processes need one shared cache: moderation tells the others through it
    that the stats and the place index changed (and rate limits are counted in it)."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return [
            Warning(
                "CACHE_URL is the per-process memory cache.",
                hint="Set CACHE_URL to Redis (redis://...) when more than one process serves "
                "the site; otherwise the stats and place matching of the other processes lag "
                "behind moderation by up to ten minutes.",
                id="einzelfall.W001",
            )
        ]
    return []


@register(deploy=True)
def site_url_check(app_configs, **kwargs):
    """Mails sent by commands (the follow-up) link to SITE_URL: it must be the public site."""
    url = settings.SITE_URL
    if not url.startswith("https://") or any(h in url for h in ("127.0.0.1", "localhost")):
        return [
            Warning(
                f"SITE_URL is {url!r}.",
                hint="Set SITE_URL to the public address of the site (https://...): the links "
                "in the follow-up mails point there.",
                id="einzelfall.W002",
            )
        ]
    return []


@register(deploy=True)
def built_stylesheet_check(app_configs, **kwargs):
    """The Bootstrap subset is built, not committed: without it every page fails under the
    hashed static files (a missing manifest entry), the error page included."""
    missing = [name for name in STYLESHEETS if not finders.find(name)]
    if missing:
        return [
            Error(
                f"The stylesheet {', '.join(missing)} is missing.",
                hint="Run `.venv/bin/python bin/build_css.py` (make run and make serve do), "
                "then collectstatic.",
                id="einzelfall.E001",
            )
        ]
    return []
