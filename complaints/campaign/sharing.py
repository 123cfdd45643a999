"""Sharing a public page: the texts, the plain share links, the pages that may be shared and
the Mastodon instance a person names.

Only the evaluation's public pages are ever shared (never a private link), and every link is
a plain address: no third-party script, icon or font is loaded for it.
"""

import re
import unicodedata
from urllib.parse import parse_qsl, quote, urlsplit

import idna
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import selectors
from complaints.models import Place
from einzelfall.cache import CACHE_UNREACHABLE

STATS = "reports:stats"
CITY = "reports:city"
MAX_PAGE_LENGTH = 300
MAX_HOST_LENGTH = 253  # a DNS name's limit (RFC 1035), in its ASCII form

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Anything that makes more than a host name: a scheme, port, path, query, user or address.
_NOT_A_NAME = re.compile(r"[/:@\\?#\[\]%\s]")
# Scripts whose letters pass for Latin ones: a label mixing them imitates another name.
_LOOK_ALIKE_SCRIPTS = {"CYRILLIC", "GREEK", "ARMENIAN"}

MESSAGES = {
    "required": gettext_lazy("Enter the name of your Mastodon server, such as mastodon.social."),
    "not_a_name": gettext_lazy(
        "Enter only the server's name, such as mastodon.social: without https://, a path, a "
        "port or a user name."
    ),
    "invalid": gettext_lazy("This is not a valid server name."),
    "ip_address": gettext_lazy("Enter the server's name, not an IP address."),
    "mixed_scripts": gettext_lazy(
        "This name mixes alphabets (such as Latin and Cyrillic letters) and could imitate "
        "another server's name."
    ),
    "page": gettext_lazy("Only the pages of this site's evaluation can be shared."),
}


def stats_text() -> str:
    """What is said with /stats/: the live counter (public on the landing page too)."""
    try:
        count = selectors.public_counter()
    except CACHE_UNREACHABLE:
        # The thanks page must show even without the cache (intake/views._counter_if_available).
        count = None
    if not count:
        return _("Network problems with your carrier? Report them: it is not an isolated case.")
    return _("%(count)s reports of network problems: not an isolated case.") % {
        "count": intcomma(count)
    }


def city_text(name: str) -> str:
    return _("Network problems in %(city)s? Report them too: it is not an isolated case.") % {
        "city": name
    }


def links(request, path: str, text: str) -> dict[str, str]:
    """Everything the share block (templates/reports/_share.html) needs to share the page at
    path (one of this site's, with its query): its absolute address, the text, plain links."""
    url = request.build_absolute_uri(path)
    both = f"{text} {url}"
    return {
        "url": url,
        "text": text,
        "page": path,
        "email": f"mailto:?subject={quote(text, safe='')}&body={quote(both, safe='')}",
        "whatsapp": f"https://wa.me/?text={quote(both, safe='')}",
        "telegram": f"https://t.me/share/url?url={quote(url, safe='')}&text={quote(text, safe='')}",
        "x": f"https://x.com/intent/post?text={quote(text, safe='')}&url={quote(url, safe='')}",
        "bluesky": f"https://bsky.app/intent/compose?text={quote(both, safe='')}",
    }


def for_place(request, place: Place | None) -> dict[str, str]:
    """The share links of a report's city page, or of /stats/ when its city is not known."""
    if place is None:
        return links(request, reverse(STATS), stats_text())
    return links(request, reverse(CITY, args=[place.slug]), city_text(place.name))


def page(path: str) -> tuple[str, str] | None:
    """A page that may be shared, as its canonical path and its text; None for anything else
    (another site's address, a private page, an unknown city). The path is rebuilt from the
    route, so nothing of what was sent but the route and the carrier's slug is passed on."""
    if (
        not isinstance(path, str)
        or len(path) > MAX_PAGE_LENGTH
        or not path.startswith("/")
        or path.startswith("//")
        or not path.isascii()
        or not path.isprintable()
        or "\\" in path
    ):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or parts.fragment:
        return None
    query = _carrier_query(parts.query)
    if query is None:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name == STATS:
        return reverse(STATS) + query, stats_text()
    if match.view_name == CITY:
        city = Place.objects.filter(
            slug=match.kwargs.get("slug"), kind=Place.Kind.CITY, merged_into__isnull=True
        ).first()
        if city is not None:
            return reverse(CITY, args=[city.slug]) + query, city_text(city.name)
    return None


def _carrier_query(query: str) -> str | None:
    """The query a shared page may keep: nothing, or a configured carrier (None: refused)."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    carriers = settings.EINZELFALL_CARRIERS  # one carrier only: the pages have no switch
    if len(carriers) < 2 or len(pairs) != 1 or pairs[0][0] != "carrier":
        return None
    return "?carrier=" + quote(pairs[0][1], safe="") if pairs[0][1] in carriers else None


def mastodon_host(raw: str) -> str:
    """The Mastodon server a person named, as an ASCII host name (IDNA: punycode). Only a
    name: no scheme, port, path, user, IP address, nor a label mixing look-alike alphabets."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(MESSAGES["required"], code="required")
    if len(text) > MAX_HOST_LENGTH:
        raise ValidationError(MESSAGES["invalid"], code="invalid")
    if _NOT_A_NAME.search(text) or not text.isprintable():
        raise ValidationError(MESSAGES["not_a_name"], code="not_a_name")
    text = text.removesuffix(".")  # the root's dot ("mastodon.social.") names the same host
    try:
        mapped = idna.uts46_remap(text, std3_rules=True, transitional=False)
        if any(_mixes_look_alikes(_unicode(label)) for label in mapped.split(".")):
            raise ValidationError(MESSAGES["mixed_scripts"], code="mixed_scripts")
        host = idna.encode(mapped, uts46=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        raise ValidationError(MESSAGES["invalid"], code="invalid") from None
    labels = host.split(".")
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        # A name ending in digits is an IPv4 address in one of its spellings (1.2.3.4, 0x7f.1).
        raise ValidationError(MESSAGES["ip_address"], code="ip_address")
    if len(labels) < 2 or len(host) > MAX_HOST_LENGTH:
        raise ValidationError(MESSAGES["invalid"], code="invalid")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise ValidationError(MESSAGES["invalid"], code="invalid")
    return host


def _unicode(label: str) -> str:
    # A label sent as punycode is checked as the letters it stands for.
    return idna.decode(label) if label.startswith("xn--") else label


def _mixes_look_alikes(label: str) -> bool:
    scripts = {
        unicodedata.name(char, "UNKNOWN").split(" ", 1)[0] for char in label if char.isalpha()
    }
    return "LATIN" in scripts and bool(scripts & _LOOK_ALIKE_SCRIPTS)


def mastodon_url(host: str, text: str, url: str) -> str:
    """Mastodon's share page on the person's server, with the text and the page's address."""
    return f"https://{host}/share?text={quote(f'{text} {url}', safe='')}"
