from django.conf import settings
from django.core.checks import Warning, register


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
