"""Normalization of place names into matching keys.

One function, used by the gazetteer loader, the matcher and the admin alike, so that a name
is always compared in the same form: "München", "Muenchen", "MÜNCHEN " and "münchen" all
become "muenchen"; "Frankfurt a.M." and "Frankfurt am Main" both "frankfurt am main";
"Hamburg-Altona" becomes "hamburg altona". folded_key() is the fallback for "Munchen".
"""

import re
import unicodedata

from django.utils.text import slugify

_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}

# Abbreviations people (and the postal data) use in place names, expanded before matching.
# Order matters: the specific forms first.
_ABBREVIATIONS = [
    (re.compile(r"\ba\.\s*m\.?(?=\s|$)"), " am main "),
    (re.compile(r"/\s*m\.?(?=\s|$)"), " am main "),
    (re.compile(r"\bi\.\s*br\.?(?=\s|$)"), " im breisgau "),
    (re.compile(r"\ba\.\s*d\.\s*"), " an der "),
    (re.compile(r"\bv\.\s*d\.\s*"), " vor der "),
    (re.compile(r"\bi\.\s*d\.\s*"), " in der "),
    (re.compile(r"\bst\.\s*"), " sankt "),
    (re.compile(r"\bsaint\s"), " sankt "),
    (re.compile(r"\ba\.\s*"), " am "),
    (re.compile(r"\bi\.\s*"), " im "),
    (re.compile(r"\bb\.\s*"), " bei "),
]
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def abbreviations() -> list[tuple[str, str]]:
    """The abbreviations as (regular expression, replacement) for a script that computes the
    same keys (static/js/city-filter.js): one list, not a copy. The patterns are written in
    the syntax JavaScript and Python share."""
    return [(pattern.pattern, replacement) for pattern, replacement in _ABBREVIATIONS]


def name_key(name: str) -> str:
    """The matching key of a place name: lower case, ASCII, umlauts spelled out, words only."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = "".join(_UMLAUTS.get(ch, ch) for ch in text)
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


def folded_key(key: str) -> str:
    """A looser key for a second try: "Munchen" (umlaut dots forgotten) meets "muenchen".

    Only a fallback: folded, Neuenkirchen and Neunkirchen or Lohne and Löhne are one key, so
    the exact key is always tried first."""
    return key.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def german_slug(name: str) -> str:
    """A URL slug that keeps umlauts readable: München -> muenchen, Köln -> koeln."""
    text = "".join(_UMLAUTS.get(ch, ch) for ch in name.lower())
    return slugify(text)


def is_latin(name: str) -> bool:
    """Whether a name is written in Latin script (what submitters of a German form type)."""
    return all(ord(ch) < 0x250 or unicodedata.category(ch).startswith("M") for ch in name)
