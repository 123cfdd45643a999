"""Fraud forensics at submission: three keyed hashes that let bursts of reports be grouped
(complaints/moderation/bursts.py) without keeping an address, a domain or a text.

- network_hash: the sender's network (IPv4 /24, IPv6 /64), hashed like abuse.ip_hash: an
  HMAC-SHA256 whose key comes from SECRET_KEY and the day, under a label of its own, so that
  it never equals an address hash and hashes of different days cannot be linked. Dropped with
  the address hash after IP_HASH_RETENTION_DAYS (privacy/retention.py).
- email_domain_hash: the email address's domain (IDNA, lowercase), with the same daily key;
  empty without an address and for the big mail providers most people use (COMMON_DOMAINS),
  where five reports in half an hour say nothing. Dropped with the address hash.
- description_fingerprint: the redacted description reduced to its letters (NFKC, casefold,
  accents and a few Cyrillic and Greek look-alikes folded, digits, punctuation, spaces and
  redaction markers dropped), so that near-identical texts get the same value; empty for a
  text too short to mean anything ("kein Netz" from many people is not a burst). Keyed with
  a fixed key: the redacted text is kept anyway, and a text burst does not split at midnight.
"""

import datetime
import hashlib
import hmac
import ipaddress
import unicodedata

from django.conf import settings

from complaints.intake import abuse
from complaints.intake.abuse import daily_key
from complaints.privacy.redaction import REDACTED

# Fewer letters than this after normalizing: no fingerprint.
FINGERPRINT_MIN_LETTERS = 25

# The providers that a large share of German senders use: a burst of their domain is no sign.
COMMON_DOMAINS = frozenset(
    {
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "web.de",
        "t-online.de",
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.de",
        "outlook.com",
        "outlook.de",
        "hotmail.com",
        "hotmail.de",
        "live.com",
        "live.de",
        "icloud.com",
        "me.com",
        "freenet.de",
        "arcor.de",
        "aol.com",
        "aol.de",
        "posteo.de",
        "mailbox.org",
        "online.de",
        "email.de",
        "vodafone.de",
        "proton.me",
        "protonmail.com",
    }
)

# Letters that look like Latin ones (after casefolding), for texts "disguised" with them.
# (Cyrillic and Greek letters written as escapes: in an editor they look like the Latin.)
_LOOK_ALIKES = str.maketrans(
    "\u0430\u0432\u0435\u043a\u043c\u043d\u043e\u0440\u0441\u0442"
    "\u0443\u0445\u0456\u0458\u0455\u0501"
    "\u03b1\u03b5\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7",
    "abekmhopctyxijsdaeikvoptux",
)


def _hashed(key: bytes, subject: str) -> str:
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]


def network_subject(ip: str) -> str:
    """The network an address belongs to ("203.0.113.0/24", "2001:db8:1:2::/64"); empty for
    anything that is no address (nothing to group by)."""
    try:
        address = ipaddress.ip_address(abuse.normalize_ip(ip))
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def network_hash(ip: str, day: datetime.date | None = None) -> str:
    """The sender's network as a keyed hash that changes daily; empty without an address."""
    subject = network_subject(ip)
    return _hashed(daily_key("net", day), subject) if subject else ""


def email_domain(email: str) -> str:
    """The domain after the last "@", lowercase and in its IDNA (ASCII) spelling: "Müller.DE"
    and "xn--mller-kva.de" are one domain. Empty without one."""
    domain = email.strip().rpartition("@")[2].strip().rstrip(".").lower() if "@" in email else ""
    if not domain:
        return ""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # not a valid domain name: hashed as it is spelled


def email_domain_hash(email: str, day: datetime.date | None = None) -> str:
    """The email address's domain as a keyed hash that changes daily; empty without an
    address or for one of the COMMON_DOMAINS."""
    domain = email_domain(email)
    if not domain or domain in COMMON_DOMAINS:
        return ""
    return _hashed(daily_key("domain", day), domain)


def text_letters(redacted: str) -> str:
    """The letters of a (redacted) description, the same for near-identical texts."""
    folded = unicodedata.normalize("NFKC", redacted.replace(REDACTED, " ")).casefold()
    # Accents off ("é" is "e"): decomposed, the marks are no letters and drop out below.
    folded = unicodedata.normalize("NFKD", folded.translate(_LOOK_ALIKES))
    return "".join(char for char in folded if char.isalpha())


def description_fingerprint(redacted: str) -> str:
    """A keyed hash of the description's letters; empty for a short or empty text."""
    letters = text_letters(redacted)
    if len(letters) < FINGERPRINT_MIN_LETTERS:
        return ""
    key = hmac.new(settings.SECRET_KEY.encode(), b"einzelfall-text", hashlib.sha256).digest()
    return _hashed(key, letters)
