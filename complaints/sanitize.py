"""The one sanitizer for spreadsheet formula injection, shared by every export path.

A text cell that begins with =, +, -, @, a tab or a carriage return is read as a formula by
Excel and LibreOffice; a leading apostrophe makes it text again. Numbers pass unchanged.
sanitize_row() applies the same rule to a whole row, without a call per cell (exports run it
a million times).
"""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_STARTS)


def sanitize_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def sanitize_row(row: list) -> list:
    return [
        "'" + value if isinstance(value, str) and value[:1] in _FORMULA_FIRST else value
        for value in row
    ]
