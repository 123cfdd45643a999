"""Redaction of personal data in free text, for everything that leaves the moderation queue.

redact() replaces with REDACTED: email addresses (also spelled out: "name (at) web (punkt)
de", "name bei gmx punkt de", full-width or spaced-out letters); links, bare domains and short
links; IBANs in any spacing; phone numbers in German and international notations, also with
digits spelled out in words; numbers after a label (customer, contract, ticket, device
numbers, passwords); German licence plates; street addresses with a house number; names
after a cue ("Ich heiße", "mein Name ist", "Herr", "Frau", a greeting) and a common first
name followed by a surname; IPv4 and IPv6 addresses; social-media handles; birth dates;
long or grouped digit runs (device and card numbers); and the submitter's own email address
and its local part.

It leaves alone what the carrier needs: times, dates of a problem, speeds, frequencies,
bands, lines and stations, street names without a house number, postal codes, prices.
Moderators see the result next to the original and can correct it. What it does not catch
is listed in docs/redaction.md, measured on the corpus in tests/redaction_corpus/
(`manage.py redaction_report`).

The rules: word lists in vocabulary.py, expressions in patterns.py, which of their matches
are personal data in finders.py and person_names.py. Matching runs on the NFKC form of the
text (full-width at signs and digits are "@" and digits); replacing runs on the original
text.
"""

import re
import unicodedata

from complaints.privacy.finders import (
    address_spans,
    birth_spans,
    email_spans,
    handle_spans,
    iban_spans,
    ip_spans,
    labelled_spans,
    link_spans,
    number_spans,
    phone_spans,
    plate_spans,
)
from complaints.privacy.person_names import name_spans

REDACTED = "[entfernt]"

Span = tuple[int, int, str]

# In order of priority: where two rules overlap, the first one's category is reported.
_FINDERS = (
    email_spans,
    link_spans,
    iban_spans,
    ip_spans,
    labelled_spans,
    birth_spans,
    phone_spans,
    number_spans,
    handle_spans,
    plate_spans,
    address_spans,
    name_spans,
)

# En and em dashes, minus signs and the like are hyphens to every rule ("0176\u20131234 5678");
# one character for one, so that positions stay those of the original text.
_DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58"
_DASHES = str.maketrans(dict.fromkeys(_DASH_CHARS, "-"))
_DASH = re.compile(f"[{_DASH_CHARS}]")


def redact(text: str, email: str = "") -> str:
    """The text with personal data replaced by REDACTED (see the module doc)."""
    if not text:
        return text
    spans = find_personal_data(text, email)
    return _replaced(text, spans, REDACTED) if spans else text


def find_personal_data(text: str, email: str = "") -> list[Span]:
    """The spans of text that redact() replaces, as (start, end, category), sorted and not
    overlapping."""
    if not text:
        return []
    normalized, lower, positions = _matching_forms(text)
    found = _found(normalized, lower, positions)
    if email:
        found += _own_address_spans(text, email)
    return _merged(found)


def _matching_forms(text: str) -> tuple[str, str, list[int] | None]:
    """The text the rules run on, its lower-case form of the same length, and the position
    in text of each of their characters (None where they are text's own)."""
    normalized, positions = _normalized(text)
    if not normalized.isascii() and _DASH.search(normalized):
        normalized = normalized.translate(_DASHES)
    lower = normalized.lower()
    if len(lower) != len(normalized):
        # A letter whose lower case is longer (İ): keep it as it is, positions must match.
        lower = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in normalized)
    return normalized, lower, positions


def _normalized(text: str) -> tuple[str, list[int] | None]:
    """The NFKC form of text and, where it differs in length, the position in text of each
    of its characters."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text, None
    parts, positions = [], []
    for index, ch in enumerate(text):
        form = unicodedata.normalize("NFKC", ch)
        parts.append(form)
        positions.extend([index] * len(form))
    normalized = "".join(parts)
    if len(normalized) == len(text):
        return normalized, None
    positions.append(len(text))
    return normalized, positions


def _found(normalized: str, lower: str, positions: list[int] | None) -> list[Span]:
    """Every finder's spans, in the original text's positions."""
    found = []
    for finder in _FINDERS:
        for start, end, category in finder(normalized, lower):
            if end <= start:
                continue
            if positions is not None:
                start, end = positions[start], positions[end - 1] + 1
            found.append((start, end, category))
    return found


def _merged(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end, category in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            last_start, last_end, last_category = merged[-1]
            merged[-1] = (last_start, max(last_end, end), last_category)
        else:
            merged.append((start, end, category))
    return merged


def _replaced(text: str, spans: list[Span], replacement: str) -> str:
    parts, position = [], 0
    for start, end, _ in spans:
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _own_address_spans(text: str, email: str) -> list[Span]:
    """The submitter's own address anywhere, and its local part (three characters or more)
    as a whole word, in any case. Plain string search: a pattern per submitter would be
    compiled anew for each of them (imports run this for every row)."""
    email = email.strip()
    spans = _occurrences(text, email, whole_words=False)
    local = email.partition("@")[0]
    if len(local) >= 3:
        spans += _occurrences(text, local, whole_words=True)
    return spans


def _occurrences(text: str, word: str, *, whole_words: bool) -> list[Span]:
    lower, needle = text.lower(), word.lower()
    if not needle or needle not in lower:
        return []
    if len(lower) != len(text):
        # Lower-casing changed the length (a rare letter such as İ): positions would shift.
        return _occurrences_by_pattern(text, word, whole_words=whole_words)
    spans, start = [], 0
    while (found := lower.find(needle, start)) != -1:
        end = found + len(needle)
        if not (whole_words and _touches_a_word(text, found, end)):
            spans.append((found, end, "email"))
        start = end
    return spans


def _occurrences_by_pattern(text: str, word: str, *, whole_words: bool) -> list[Span]:
    pattern = rf"(?<!\w){re.escape(word)}(?!\w)" if whole_words else re.escape(word)
    return [(m.start(), m.end(), "email") for m in re.finditer(pattern, text, re.I)]


def _touches_a_word(text: str, start: int, end: int) -> bool:
    before = start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")
    return before or (end < len(text) and (text[end].isalnum() or text[end] == "_"))
