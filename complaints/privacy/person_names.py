"""The finder of people's names: after a cue ("Ich heiße", "Herr", a greeting, "Nachbarin"),
a known first name with a capitalised word after it, and a known first name after "ich bin".
Like the other finders (finders.py) it takes the NFKC text and its lower-case form and
yields (start, end, "name")."""

import re

from complaints.privacy.patterns import (
    CAPITALISED_WORD,
    FIRST_NAME_ALONE,
    MONTH_BEFORE,
    NAME_AFTER_COMMA,
    NAME_GREETING,
    NAME_PAIR,
    NAME_RELATION,
    NAME_SAID,
    NAME_STOP,
    NAME_TITLED,
    STREET_SUFFIX_END,
    STREET_SUFFIX_START,
)
from complaints.privacy.vocabulary import (
    FIRST_NAMES,
    NOT_NAME_STARTS,
    NOT_NAMES,
    RELATION_WORDS,
)


def name_spans(text: str, lower: str):
    yield from _said_names(text, lower)
    yield from _cued_names(text, lower)
    yield from _name_pairs(text)
    yield from _first_names_after_bin(text, lower)


def _said_names(text: str, lower: str):
    for m in NAME_SAID.finditer(lower):
        if name := _said_name(m, text):
            yield m.start("name"), m.start("name") + len(name), "name"


def _said_name(m: re.Match, text: str) -> str:
    """The name after "ich heiße", "mein Name ist" and the like; "" where none follows."""
    name = NAME_STOP.sub("", text[m.start("name") : m.end("name")])
    name = NAME_AFTER_COMMA.sub("", name)
    words = name.split()
    if not words or words[0].lower() in NOT_NAME_STARTS:
        return ""
    if m.group("cue").lower().startswith(("ich bin", "hier ist")) and not _sounds_like_name(words):
        return ""
    return name


def _sounds_like_name(words: list[str]) -> bool:
    # "Ich bin der Meinung", "hier ist das Netz": only a known first name or two capitalised
    # words make these cues a name.
    known = words[0].split("-")[0] in FIRST_NAMES
    return known or (len(words) >= 2 and all(w[0].isupper() for w in words))


_NAME_CUES = (NAME_TITLED, NAME_GREETING)
_NAME_CUES_AND_RELATIONS = (NAME_TITLED, NAME_GREETING, NAME_RELATION)


def _cued_names(text: str, lower: str):
    relation = any(word in lower for word in RELATION_WORDS)
    for pattern in _NAME_CUES_AND_RELATIONS if relation else _NAME_CUES:
        for m in pattern.finditer(text):
            if name := _cued_name(m, text):
                yield m.start("name"), m.start("name") + len(name), "name"


def _cued_name(m: re.Match, text: str) -> str:
    """The capitalised words after a title or a greeting, without the trailing words that
    are no name; "" where none is left."""
    words = m.group("name").split()
    while words and (words[-1] in NOT_NAMES or words[-1].islower()):
        words.pop()
    if not words or words[0] in NOT_NAMES:
        return ""
    name = " ".join(words)
    start = m.start("name")
    return name if text[start : start + len(name)] == name else m.group("name")


def _name_pairs(text: str):
    position = 0
    while m := NAME_PAIR.search(text, position):
        position = m.start("last")  # the surname may be the next pair's first name
        if _is_name_pair(m, text):
            yield m.start(), m.end("last"), "name"


def _is_name_pair(m: re.Match, text: str) -> bool:
    # "Heinz-Dieter": a double name counts when its first part is a known first name.
    first = m.group("first").split("-")[0]
    if first not in FIRST_NAMES or m.group("last") in NOT_NAMES:
        return False
    # A few characters back only: searching the whole text before each match is quadratic.
    if first == "Jan" and MONTH_BEFORE.search(text, max(0, m.start() - 20), m.start()):
        return False  # "seit Jan Ausfälle": the month
    after = (m.group("after") or "").strip()
    if after and (after in NOT_NAMES or STREET_SUFFIX_START.match(after)):
        return False
    return not STREET_SUFFIX_END.search(m.group("last"))  # "Paul Lincke-Ufer": a place


def _first_names_after_bin(text: str, lower: str):
    for m in FIRST_NAME_ALONE.finditer(lower):
        word = CAPITALISED_WORD.match(text, m.end())
        if word and word.group() in FIRST_NAMES:
            yield m.end(), word.end(), "name"
