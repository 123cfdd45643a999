"""One masking rule for every log line: no private link, token, client or email address is
written.

A report's private link (/report/thanks/<reference>/, which views and deletes it) and the
confirmation and follow-up tokens are as good as passwords; a client's address is personal
data. Django's warnings (CSRF failures, 404s, disallowed hosts), tracebacks and gunicorn's
error log print paths and addresses, so the rule runs on every record that a handler of
settings.LOGGING or of gunicorn (einzelfall/access_log.py) writes, not only on the access log.
"""

import ipaddress
import logging
import re
from urllib.parse import unquote

MASK = "…"
ADDRESS_MASK = "[address]"

# Every path that carries a secret (each route with a `token` or `reference` kwarg: a test
# in tests/test_logs.py walks the URLconf, so a new one cannot be missed): the token is the
# next segment (for a carrier account's password link, the one after its uidb64). Fixed, not
# read from the URLconf: logging runs before the URLs load. Any case and doubled slashes
# too: a path that does not resolve is still logged (a 404).
_PRIVATE_PATH = re.compile(
    r"(/(?:report/+(?:thanks|confirm|followup)"
    r"|follow/+(?:confirm|unsubscribe|newsletter/+unsubscribe)"
    r"|carrieraccount/+password/+[^/?#\s\"'<>]+)/+)[^/?#\s\"'<>]+",
    re.IGNORECASE,
)
# A secret in a query string (no page takes one today; a link mailed with one must not leak).
_PRIVATE_QUERY = re.compile(
    r"([?&;](?:token|key|api_key|apikey|reference|ref|signature|sig|code)=)[^&#\s\"'<>]+",
    re.IGNORECASE,
)
# A position (issue 22): /places/nearest/'s whole query (whatever its parameters are called),
# and a latitude or longitude in any other query
# (lat, lon, lng, latitude, longitude, and spellings such as lat[]).
_NEAREST_QUERY = re.compile(r"(/places/+nearest/*\?)[^\s\"']+", re.IGNORECASE)
# A query's first parameter counts too where it stands alone (gunicorn's %(q)s).
_POSITION_QUERY = re.compile(
    r"((?:^|(?<=[?&;\s\"'(\[]))"
    r"(?:lat(?:itude)?|lon(?:gitude)?|lng)(?:\[[^\]=&\s]{0,10}\])?=)[^&#\s\"'<>]+",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")
# Candidates only (two colons or more among hex digits, dots for a mapped IPv4 tail, a zone):
# each is checked by ipaddress, so that times such as 19:07:46 stay as they are.
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f.]{0,15}){2,8}(?:%[\w.-]+)?")


def _address(match: re.Match) -> str:
    candidate = match.group(0)
    address, zone, _ = candidate.partition("%")
    for text in (address, address.rstrip(":.")):
        try:
            ipaddress.ip_address(text)
        except ValueError:
            continue
        # A colon or dot that only ended the sentence (or the zone, e.g. %eth0) goes too.
        return ADDRESS_MASK + ("" if zone else address[len(text) :])
    return candidate


# An email address in an exception's message (a refused address, an SMTP error). Every part
# is bounded by RFC 5321's lengths, which keeps the search linear on long runs of letters.
_EMAIL = re.compile(r"[\w.%+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[A-Za-z]{2,24}")
EMAIL_MASK = "[email]"


# PostgreSQL's details of a refused write quote the row or the key: a report's own text (a
# description, an address). The values go, the column names stay. Plain string search, line
# by line: a pattern that looks for the value's end from each start is quadratic.
_DB_DETAILS = ("Failing row contains (", "Key (")
_DB_KEY_ENDS = (" already exists", " is not present", " conflicts with", " is still referenced")


def _database_values(text: str) -> str:
    lines = text.split("\n")
    for number, line in enumerate(lines):
        start = line.find("Failing row contains (")
        if start != -1:
            end = start + len("Failing row contains ")
            lines[number] = line[:end] + f"({MASK})" + ("." if line.endswith(".") else "")
            continue
        start = line.find("Key (")
        equals = line.find(")=(", start) if start != -1 else -1
        if equals != -1:
            ends = [found for e in _DB_KEY_ENDS if (found := line.rfind(e)) > equals]
            tail = line[min(ends) :] if ends else ("." if line.endswith(".") else "")
            lines[number] = line[: equals + 2] + f"({MASK})" + tail
    return "\n".join(lines)


def _positions(text: str) -> str:
    if "=" in text:
        text = _POSITION_QUERY.sub(rf"\1{MASK}", text)
    if "nearest" in text.lower():
        text = _NEAREST_QUERY.sub(rf"\1{MASK}", text)
    return text


def mask(text: str) -> str:
    """text without private tokens (in paths and query strings), positions, IP and email
    addresses, and the values a database quotes in its details."""
    # Positions before the %-escapes are decoded too: "lat=%2053.5" decodes to "lat= 53.5",
    # whose value the rule (which stops at white space) would no longer see.
    text = _positions(text)
    if "%" in text:
        # A raw request line or query keeps its %-escapes ("/report%2Fthanks%2F<token>/"),
        # which the server decodes before it resolves the path: mask the decoded form.
        for _ in range(3):
            decoded = unquote(text)
            if decoded == text:
                break
            text = decoded
    if any(marker in text for marker in _DB_DETAILS):
        text = _database_values(text)
    if "@" in text:
        text = _EMAIL.sub(EMAIL_MASK, text)
    lowered = text.lower()
    if any(part in lowered for part in ("/report", "/follow", "/carrieraccount")):
        text = _PRIVATE_PATH.sub(rf"\1{MASK}", text)
    if "=" in text:
        text = _PRIVATE_QUERY.sub(rf"\1{MASK}", text)
    text = _positions(text)
    # IPv6 first: an IPv4-mapped address (::ffff:192.0.2.1) is masked whole.
    if text.count(":") >= 2:
        text = _IPV6.sub(_address, text)
    if "." in text:
        text = _IPV4.sub(_address, text)
    return text


_formatter = logging.Formatter()


class MaskPrivateData(logging.Filter):
    """A handler's filter: the record's message (with its arguments), traceback and stack
    masked before any formatter sees them. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: logging reports that itself
            return True
        masked = mask(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # What the handler's formatter would write, made now so that it can be masked
            # (a formatter uses exc_text when it is set).
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
