"""The installable app: the web app manifest, the service worker and its icons (issue 22)."""

import functools
import hashlib
import io
import json
import os

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from PIL import Image, ImageDraw

from einzelfall.assets import STYLESHEETS

# Colours of static/css/site.css: the accent (--ef-accent) and Bootstrap's light page.
THEME_COLOUR = "#b02a37"
BACKGROUND_COLOUR = "#ffffff"
ICON_SIZES = (192, 512)
ICON_MAX_AGE = 7 * 24 * 60 * 60

# What the report and landing pages load besides STYLESHEETS (tests/test_pwa.py checks that
# nothing they load is missing here).
PAGE_SCRIPTS = (
    "js/sw-register.js",
    "js/report-form.js",
    "js/outbox.js",
    "js/connection.js",
    "js/locate.js",
)
PAGE_IMAGES = ("img/favicon.svg",)
# A report POST unanswered this long ("lie-fi") is kept in the outbox by the worker.
POST_TIMEOUT_MS = 15_000
# Read by locate.js offline (about 60 KB gzipped): not cached at install, which keeps the first
# visit small, but at the worker's first navigation or when locate.js prefetches it.
OPTIONAL_URLS = ("complaints:place-centroids",)
PAGES = ("complaints:landing", "complaints:report")


def _language(request) -> str | None:
    lang = request.GET.get("lang")
    return lang if lang in ("de", "en") else None


@require_safe
def manifest(request):
    lang = _language(request)
    with translation.override(lang or translation.get_language()):
        data = {
            "id": "/",
            "name": _("Einzelfall: report network problems"),
            "short_name": "Einzelfall",
            "description": _(
                "Report network problems with your mobile carrier, so that together we can "
                "show they are not isolated cases."
            ),
            "lang": translation.get_language(),
            "dir": "ltr",
            "start_url": reverse("complaints:report"),
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": [
                *(
                    {
                        "src": reverse("complaints:pwa-icon", args=[size]),
                        "sizes": f"{size}x{size}",
                        "type": "image/png",
                        "purpose": "any",
                    }
                    for size in ICON_SIZES
                ),
                {
                    "src": reverse("complaints:pwa-icon", args=[max(ICON_SIZES)]),
                    "sizes": f"{max(ICON_SIZES)}x{max(ICON_SIZES)}",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@functools.cache
def _icon_png(size: int) -> bytes:
    """The accent colour to the edges (it doubles as the maskable icon), with four signal
    bars inside the central safe zone: two filled, two hollow, a network that fails."""
    scale = 4  # drawn larger and scaled down: smooth edges without anti-aliasing support
    side = size * scale
    image = Image.new("RGB", (side, side), THEME_COLOUR)
    draw = ImageDraw.Draw(image)
    # Centred and within the maskable safe zone (a circle of 40 % of the side's radius).
    unit = side / 20
    bar_width, gap, bottom = 2 * unit, unit, side / 2 + 3.5 * unit
    left = (side - (4 * bar_width + 3 * gap)) / 2
    for index in range(4):
        x = left + index * (bar_width + gap)
        top = bottom - (index + 1) * 1.75 * unit
        box = (x, top, x + bar_width, bottom)
        if index < 2:
            draw.rectangle(box, fill=BACKGROUND_COLOUR)
        else:
            draw.rectangle(box, outline=BACKGROUND_COLOUR, width=max(1, round(unit * 0.45)))
    image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@require_safe
def icon(request, size):
    if size not in ICON_SIZES:
        raise Http404
    response = HttpResponse(_icon_png(size), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={ICON_MAX_AGE}"
    return response


def _static_paths() -> list[str]:
    """The static files to cache that exist (a stylesheet not yet built would make static()
    fail under the manifest storage)."""
    found = []
    for path in (*STYLESHEETS, *PAGE_SCRIPTS, *PAGE_IMAGES):
        try:
            static(path)
        except ValueError:
            continue
        if path in STYLESHEETS or finders.find(path):
            found.append(path)
    return found


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _content_digest(static_path: str) -> str:
    """The file's content hash where its source is found (development and tests serve
    unhashed names); in production its hashed URL already changes with the content."""
    found = finders.find(static_path)
    if not found:
        return ""
    stat = os.stat(found)
    return _file_digest(found, stat.st_mtime_ns, stat.st_size)


def precache() -> dict:
    """What the worker caches on install (`required`): the two pages, their static files,
    the manifest and icons; `optional` is cached later (see templates/pwa/sw.js)."""
    statics = _static_paths()
    required = [reverse(name) for name in PAGES]
    required += [static(path) for path in statics]
    required.append(reverse("complaints:pwa-manifest"))
    required += [reverse("complaints:pwa-icon", args=[size]) for size in ICON_SIZES]
    version = hashlib.sha256()
    for path in statics:
        version.update(f"{static(path)}\0{_content_digest(path)}\n".encode())
    version.update(render_to_string("pwa/sw.js", {"version": "", "config": "{}"}).encode())
    return {
        "version": version.hexdigest()[:16],
        "required": required,
        "optional": [reverse(name) for name in OPTIONAL_URLS],
        "pages": [reverse(name) for name in PAGES],
        "manifest": reverse("complaints:pwa-manifest"),
        "outbox": static("js/outbox.js"),
        "report": reverse("complaints:report"),
        "token": reverse("complaints:report-token"),
        "post_timeout": POST_TIMEOUT_MS,
    }


@require_safe
def service_worker(request):
    config = precache()
    body = render_to_string(
        "pwa/sw.js", {"version": config["version"], "config": json.dumps(config)}
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Checked by the browser on every visit; the version inside says what changed.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
