"""The one sanitizer for spreadsheet formula injection, shared by every export path.

A cell is made safe in two steps, in this order, so that the check sees the text exactly as it
will be in the file:

1. Control characters that XML cannot carry (and no spreadsheet shows) are removed, in every
   format, so CSV, JSON and XLSX carry the same text. Removing them after the check would let
   "\\x01=HYPERLINK(...)" become a live formula in the workbook.
2. A cell that Excel or LibreOffice could read as a formula gets a leading apostrophe: one
   that begins with =, +, -, @, a tab, a carriage return or a line feed, or with =, +, -, @
   after blanks (spaces, no-break spaces, zero-width and other invisible characters: a
   spreadsheet that trims them meets the formula), counting the look-alikes whose
   compatibility form is one of them (full-width U+FF1D U+FF0B U+FF0D U+FF20, small U+FE66
   U+FE62 U+FE63 U+FE6B, super- and subscript = and +).

The rule is written once, here: as regular expressions that PostgreSQL reads the same way as
Python, used by the functions below and by their SQL forms (sql_*, for pg_csv.py), so both
export paths give the same bytes. Numbers pass unchanged. sanitize_row() checks the common
cell (printable, ordinary first character) with two cheap tests and no regular expression.
"""

import re


def _char_class(ranges) -> str:
    """A bracket expression of code-point ranges, as escapes both Python and PostgreSQL read."""
    parts = []
    for low, high in ranges:
        part = _escape(low) if low == high else f"{_escape(low)}-{_escape(high)}"
        parts.append(part)
    return "[" + "".join(parts) + "]"


def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# What XML 1.0 cannot carry: C0 controls except tab, line feed and carriage return, and the
# two non-characters. openpyxl would refuse them; every format drops them alike.
CONTROL_RANGES = [(0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0xFFFE, 0xFFFF)]

# Formula starts: = + - @ and every character whose NFKC form is one of them
# (tests/test_formula_injection.py checks this list against unicodedata).
FORMULA_CHARACTERS = (
    "=+-@\u207a\u207c\u208a\u208c\ufb29\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20"
)

# Blanks a spreadsheet may trim or not show before a formula: str.isspace() and the invisible
# format characters (category Cf), as ranges (checked against unicodedata by the tests too).
BLANK_RANGES = [
    (0x09, 0x0D),
    (0x1C, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0xAD, 0xAD),
    (0x600, 0x605),
    (0x61C, 0x61C),
    (0x6DD, 0x6DD),
    (0x70F, 0x70F),
    (0x890, 0x891),
    (0x8E2, 0x8E2),
    (0x1680, 0x1680),
    (0x180E, 0x180E),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x2064),
    (0x2066, 0x206F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
]

# Regular expressions in the common subset of Python's re and PostgreSQL's AREs.
_BREAKS = "[\\u0009\\u000a\\u000d]"
_BLANK = _char_class(BLANK_RANGES)
_FORMULA_START = _char_class((ord(c), ord(c)) for c in FORMULA_CHARACTERS)
CONTROL_PATTERN = _char_class(CONTROL_RANGES)
FORMULA_PATTERN = f"^(?:{_BREAKS}|{_BLANK}*{_FORMULA_START})"
# The ASCII characters (as code points) that a text matching FORMULA_PATTERN can begin with;
# every other match begins beyond ASCII. An integer check of the first character that spares
# PostgreSQL the regular expression for most cells.
SUSPECT_FIRST_ASCII = tuple(
    sorted(
        {0x09, 0x0A, 0x0D}
        | {code for low, high in BLANK_RANGES for code in range(low, min(high, 0x7F) + 1)}
        | {ord(c) for c in FORMULA_CHARACTERS if ord(c) <= 0x7F}
    )
)

_CONTROL = re.compile(CONTROL_PATTERN)
_FORMULA = re.compile(FORMULA_PATTERN)
# A printable text (no control, blank or invisible character but the space) whose first
# character is none of these cannot need either step.
_SUSPECT_FIRST = frozenset(FORMULA_CHARACTERS + " ")


def _sanitize_text(value: str) -> str:
    value = _CONTROL.sub("", value)
    if _FORMULA.match(value):
        return "'" + value
    return value


def sanitize_cell(value):
    """The value as it may go into a carrier file: text cleaned and guarded, others as is."""
    if isinstance(value, str) and (not value.isprintable() or value[:1] in _SUSPECT_FIRST):
        return _sanitize_text(value)
    return value


def sanitize_row(row: list) -> list:
    return [
        _sanitize_text(value)
        if isinstance(value, str) and (not value.isprintable() or value[:1] in _SUSPECT_FIRST)
        else value
        for value in row
    ]


# -- the same rule in PostgreSQL's SQL (the CSV that the database writes: pg_csv.py) ----------
# Each gives an expression and its parameters; the patterns above are the parameters, and
# PostgreSQL's regular expressions read them as Python's re does.


def sql_has_control(values: list[str]) -> tuple[str, list]:
    """Whether any of the values holds a control character: one search per row finds the
    rare rows that need step 1."""
    return f"(concat({', '.join(values)}) ~ %s)", [CONTROL_PATTERN]


def sql_without_control(value: str, dirty: str) -> tuple[str, list]:
    """Step 1: the value without control characters (searched only where dirty is true)."""
    sql = f"(CASE WHEN {dirty} THEN regexp_replace({value}, %s, '', 'g') ELSE {value} END)"
    return sql, [CONTROL_PATTERN]


def sql_guarded(value: str) -> tuple[str, list]:
    """Step 2: an apostrophe before a formula; an integer test of the first character
    spares most cells the regular expression."""
    suspects = ", ".join(map(str, SUSPECT_FIRST_ASCII))
    sql = (
        f"(CASE WHEN (ascii({value}) IN ({suspects}) OR ascii({value}) > 127)"
        f" AND {value} ~ %s THEN '''' || {value} ELSE {value} END)"
    )
    return sql, [FORMULA_PATTERN]
