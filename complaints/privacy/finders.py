"""The span finders, one per kind of personal data (names: person_names.py). Each takes the
NFKC text and its lower-case form (same length) and yields (start, end, category) for what
it removes: it runs its patterns (patterns.py) and keeps the matches that are personal data,
in small named steps that report in a fixed order.
"""

import re

from complaints.privacy.patterns import (
    ADDRESS,
    ADDRESS_HINT,
    ADDRESS_LABELLED,
    AT_HINT,
    BEI_HINT,
    BIRTH,
    BIRTH_HINT,
    DEVICE_BEFORE,
    DEVICE_LABEL,
    DIGIT_WORD,
    DOMAIN,
    EMAIL,
    EMAIL_BEI,
    EMAIL_NAMED,
    EMAIL_SPACED,
    FLOOR_AFTER,
    GROUPED_DIGITS,
    HANDLE,
    HANDLE_NAMED,
    HANDLE_REDDIT,
    HEX_LETTER,
    IBAN,
    IPV4,
    IPV6,
    LABELLED,
    LOGIN_LABEL,
    LOGIN_SAID,
    LONG_DIGITS,
    NETWORK_LABEL_BEFORE,
    O_AS_ZERO,
    PHONE,
    PHONE_LABEL,
    PHONE_LABELLED,
    PHONE_SPACED,
    PHONE_SPLIT,
    PHONE_WORDS,
    PLATE,
    POSTCODES,
    SERVICE_NUMBER,
    SHORT_DATE,
    UNIT_AFTER,
    URL,
    VERSION_BEFORE,
    WEAK_LABEL,
    YEAR,
    YEARS,
)
from complaints.privacy.vocabulary import (
    COMPANY_DOMAINS,
    NOT_NAMES,
    NOT_PLACES_AFTER_AM,
    NOT_PLATE_DISTRICTS,
    NOT_PLATE_LETTERS,
    NOT_STREETS,
    PUBLIC_RESOLVERS,
)

# ---------------------------------------------------------------------------------------
# Shared steps


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _service(value: str) -> bool:
    return bool(SERVICE_NUMBER.match(value))


def _unit_follows(lower: str, end: int) -> bool:
    return bool(UNIT_AFTER.match(lower, end))


def _trimmed_end(text: str, start: int, end: int, chars: str) -> int:
    while end > start and text[end - 1] in chars:
        end -= 1
    return end


def _near(pattern: re.Pattern, text: str, hints: re.Pattern, lower: str, around: tuple):
    """pattern's matches in text, tried only within `around` (before, after) characters of
    the matches of hints in lower (a cheap pattern that every match of the costly one
    contains): the costly pattern then runs on a few windows instead of everywhere."""
    windows: list[list[int]] = []
    for hint in hints.finditer(lower):
        start = max(0, hint.start() - around[0])
        # A window ends at a space, so that no match is cut short at its edge.
        end = text.find(" ", min(len(text), hint.end() + around[1]))
        end = len(text) if end == -1 else end
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    for start, end in windows:
        yield from pattern.finditer(text, start, end)


# ---------------------------------------------------------------------------------------
# Email addresses and links


def email_spans(text: str, lower: str):
    for m in _near(EMAIL, lower, AT_HINT, lower, (420, 200)):
        yield m.start(), m.end(), "email"
    if "@" in text:
        for m in EMAIL_SPACED.finditer(lower):
            yield m.start(), m.end(), "email"
    if BEI_HINT.search(lower):
        for m in EMAIL_BEI.finditer(lower):
            yield m.start(), m.end(), "email"
    if "mail" in lower or any(provider in lower for provider in ("gmx", "web", "posteo")):
        yield from _named_emails(lower)


def _named_emails(lower: str):
    for m in EMAIL_NAMED.finditer(lower):
        local = m.group("local").rstrip(".")
        if re.search(r"[._\d+]", local):
            yield m.start("local"), m.start("local") + len(local), "email"


def link_spans(text: str, lower: str):
    for m in URL.finditer(lower):
        yield m.start(), m.end(), "link"
    for m in DOMAIN.finditer(text):
        # Punctuation after a link ends the sentence, not the link.
        end = _trimmed_end(text, m.start(), m.end(), ".,;:!?)")
        if lower[m.start() : end] not in COMPANY_DOMAINS:
            yield m.start(), end, "link"


def iban_spans(text: str, lower: str):
    for m in IBAN.finditer(lower):
        if _digits(m.group()) >= 12:
            yield m.start(), m.end(), "iban"


# ---------------------------------------------------------------------------------------
# Phone numbers


# PHONE_SPLIT runs only where one of these words says that a number comes in parts.
_SPLIT_WORDS = ("dann", "vorwahl", "durchwahl", "danach", "rest")


def phone_spans(text: str, lower: str):
    yield from _dialled_phones(text, lower)
    for m in PHONE_SPACED.finditer(text):
        yield m.start(), m.end(), "phone"
    yield from _labelled_phones(lower)
    if any(word in lower for word in _SPLIT_WORDS):
        yield from _split_phones(lower)
    yield from _phones_in_words(lower)


def _dialled_phones(text: str, lower: str):
    phone_text = O_AS_ZERO.sub("0", text) if "o" in lower else text
    for m in PHONE.finditer(phone_text):
        value = m.group()
        count = _digits(value)
        if 7 <= count <= 16 and not _unit_follows(lower, m.end()) and not _service(value):
            yield m.start(), m.end(), "phone"


def _labelled_phones(lower: str):
    for m in PHONE_LABELLED.finditer(lower):
        value = m.group("value")
        count = _digits(value)
        grouped = m.group("colon") or not value.isdigit() or count == 6
        if 5 <= count <= 6 and grouped and not _unit_follows(lower, m.end()):
            yield m.start("value"), m.end("value"), "phone"


def _split_phones(lower: str):
    for m in PHONE_SPLIT.finditer(lower):
        if 7 <= _digits(m.group()) <= 16 and not _unit_follows(lower, m.end()):
            yield m.start(), m.end(), "phone"


def _phones_in_words(lower: str):
    for m in PHONE_WORDS.finditer(lower):
        value = m.group()
        words = len(DIGIT_WORD.findall(value))
        count = _digits(value) + words
        if words >= 2 and count >= 7 and not _unit_follows(lower, m.end()):
            yield m.start(), m.end(), "phone"


# ---------------------------------------------------------------------------------------
# Numbers after a label, long numbers, licence plates


def labelled_spans(text: str, lower: str):
    for m in LABELLED.finditer(lower):
        start = m.start("value")
        end = _trimmed_end(text, start, m.end("value"), ".-/#")
        category = _labelled_category(m, text[start:end], lower, end)
        if category:
            yield start, end, category


def _labelled_category(m: re.Match, value: str, lower: str, end: int) -> str | None:
    """The category of a labelled value, or None where it is no personal data."""
    label = m.group("label")
    if LOGIN_LABEL.fullmatch(label):
        # "Passwort: Bello123", "PIN 1234"; not "Passwort vergessen".
        said = LOGIN_SAID.search(m.group("filler"))
        return "customer" if said or _digits(value) else None
    if not _is_labelled_number(label, value, lower, end):
        return None
    if PHONE_LABEL.match(label):
        return "phone"
    return "device" if DEVICE_LABEL.match(label) else "customer"


def _is_labelled_number(label: str, value: str, lower: str, end: int) -> bool:
    digits = _digits(value)
    if not digits or not _digits(value.split()[0]) or _unit_follows(lower, end):
        return False
    if WEAK_LABEL.fullmatch(label) and (
        digits < 4 or YEAR.fullmatch(value) or SHORT_DATE.fullmatch(value)
    ):
        return False  # "Vertrag 2019", "Ticket 2", "Vertrag 02/2025": a year, a count, a date
    return digits >= 3 or any(c.isalpha() for c in value)


def _grouped(value: str) -> bool:
    if _digits(value) < 11:
        return False
    return not (YEARS.fullmatch(value) or POSTCODES.fullmatch(value))


def number_spans(text: str, lower: str):
    for pattern, wanted in (
        (LONG_DIGITS, lambda v: not YEARS.fullmatch(v)),
        (GROUPED_DIGITS, _grouped),
    ):
        for m in pattern.finditer(text):
            if not wanted(m.group()) or _unit_follows(lower, m.end()) or _service(m.group()):
                continue
            if NETWORK_LABEL_BEFORE.search(lower, max(0, m.start() - 30), m.start()):
                continue  # "Cell ID 27354881": the carrier's own numbers
            yield m.start(), m.end(), "device"


def plate_spans(text: str, lower: str):
    for m in PLATE.finditer(text):
        if m.group("district") in NOT_PLATE_DISTRICTS or m.group("letters") in NOT_PLATE_LETTERS:
            continue
        if DEVICE_BEFORE.search(lower, max(0, m.start() - 20), m.start()):
            continue  # "Modem CBR CH7465": a model number
        if _unit_follows(lower, m.end()):
            continue
        yield m.start(), m.end(), "plate"


# ---------------------------------------------------------------------------------------
# Connections, handles, birth dates


def ip_spans(text: str, lower: str):
    for m in IPV4.finditer(text):
        version = VERSION_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if m.group() not in PUBLIC_RESOLVERS and not version:
            yield m.start(), m.end(), "ip"
    for m in IPV6.finditer(lower):
        if _looks_like_ipv6(m.group()):
            yield m.start(), m.end(), "ip"


def _looks_like_ipv6(value: str) -> bool:
    groups = [g for g in value.split(":") if g]
    # Times (18:30:45) have no "::", fewer groups and no hexadecimal letters.
    if "::" not in value and len(groups) < 5:
        return False
    return any(len(g) >= 3 or HEX_LETTER.search(g) for g in groups)


def handle_spans(text: str, lower: str):
    for pattern in (HANDLE, HANDLE_REDDIT):
        for m in pattern.finditer(text):
            yield m.start(), m.end(), "handle"
    for m in HANDLE_NAMED.finditer(lower):
        handle = text[m.start("handle") : m.end("handle")].rstrip(".-")
        looks_like = re.search(r"[_.\d#]", handle) or ":" in m.group("colon")
        if looks_like and handle not in NOT_NAMES and handle.lower() not in ("und", "oder"):
            yield m.start("handle"), m.start("handle") + len(handle), "handle"


def birth_spans(text: str, lower: str):
    for m in _near(BIRTH, lower, BIRTH_HINT, lower, (40, 60)):
        group = "date" if m.group("date") else "date_before"
        yield m.start(group), m.end(group), "birth"


# ---------------------------------------------------------------------------------------
# Street addresses


def address_spans(text: str, lower: str):
    if any(word in lower for word in ("adresse", "anschrift", "wohn")):
        yield from _labelled_addresses(text, lower)
    for m in _near(ADDRESS, text, ADDRESS_HINT, lower, (140, 20)):
        if _is_house_address(m, lower):
            yield m.start(), m.end(), "address"


_ROOMS = ("Etage", "Zimmer", "Wohnung", "Nr.")


def _labelled_addresses(text: str, lower: str):
    for m in ADDRESS_LABELLED.finditer(text):
        first = m.group("street").split()[0]
        if first in NOT_PLACES_AFTER_AM or first in _ROOMS:
            continue  # "wohne Etage 3"
        if not _unit_follows(lower, m.end()):
            yield m.start("street"), m.end(), "address"


def _is_house_address(m: re.Match, lower: str) -> bool:
    words = m.group().split()
    if len(words) >= 2 and words[1] in NOT_PLACES_AFTER_AM:
        return False
    if words[0] in NOT_PLACES_AFTER_AM or words[0].rstrip(".") in NOT_STREETS:
        return False
    return not (_unit_follows(lower, m.end()) or FLOOR_AFTER.match(lower, m.end()))
