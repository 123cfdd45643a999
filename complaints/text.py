"""Clean-up of what people type, shared by the form, the services and (later) imports."""

import unicodedata

# Unicode categories never wanted in a name: control characters (Cc), invisible format
# characters such as zero-width spaces and direction marks (Cf), unassigned and private-use
# code points (Cn, Co), and lone surrogates (Cs).
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cn", "Co", "Cs"}


def single_line(value: str) -> str:
    """NFC-normalize, drop invisible and control characters, collapse white space."""
    value = unicodedata.normalize("NFC", value)
    if value.isprintable():
        # The usual case, quickly: nothing to drop (printable excludes every dropped
        # category) and no white space but plain spaces.
        return " ".join(value.split())
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    return " ".join(kept.split())


def multi_line(value: str) -> str:
    """Like single_line, but keeps line breaks (as \\n) and trims each line's end."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_keep_visible(line).rstrip() for line in value.split("\n")]
    return "\n".join(lines).strip()


def _keep_visible(line: str) -> str:
    line = unicodedata.normalize("NFC", line)
    if line.isprintable():  # nothing to drop (see single_line)
        return line
    return "".join(
        ch for ch in line if ch == "\t" or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )


def has_letter(value: str) -> bool:
    return any(ch.isalpha() for ch in value)


# What Django puts in place of bytes that are not UTF-8 (in a query string, a form body or a
# multipart part): a field holding it was sent garbled, and storing it would keep the garble.
REPLACEMENT_CHARACTER = "\ufffd"
NUL = "\x00"


def unreadable(value: str) -> str | None:
    """Why a text as received cannot be taken as typed: "nul" for a NUL character, which
    nobody types and PostgreSQL cannot store, "encoding" for bytes that were not UTF-8; None
    when it is fine. (Checked before single_line and multi_line, which drop NULs.)"""
    if NUL in value:
        return "nul"
    if REPLACEMENT_CHARACTER in value:
        return "encoding"
    return None


def capped(value: str, limit: int) -> str:
    """value cut to at most limit characters: for texts made by a program (the redacted
    description), which may grow past a field's limit but must never fail to be stored.
    Cutting only ever removes text, never puts anything back."""
    return value if len(value) <= limit else value[:limit].rstrip()
