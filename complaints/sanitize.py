"""The one sanitizer for spreadsheet formula injection, shared by every export path.

A text cell that begins with =, +, -, @, a tab or a carriage return is read as a formula by
Excel and LibreOffice; a leading apostrophe makes it text again. Numbers pass unchanged.
"""

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sanitize_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
