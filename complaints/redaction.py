"""Redaction of personal data in free text, for everything that leaves the moderation queue.

redact() replaces, with REDACTED: email addresses (also "name (at) example.de"); URLs;
IBANs; phone numbers in German and international forms; numbers after words such as
"Kundennummer", "Vertragsnummer", "IMEI" or "IMSI"; any other run of seven or more digits
(device and contract numbers); and the submitter's own email address and its local part.

It leaves ordinary text alone: years and dates, postal codes, "5G", "3 Balken", "seit 2
Wochen", prices, speeds. The rules are deliberately greedy about digits (a run of seven digits
in a complaint about a network is far more often a number that identifies someone than not);
moderators see the result next to the original and can correct it.
"""

import re

REDACTED = "[entfernt]"
_MAYBE_PERSONAL = re.compile(
    r"[\d@]|www\.|https?:|[(\[{]\s*(?:at|ät)\s*[)\]}]|\bat\b.*\b(?:dot|punkt)\b", re.IGNORECASE
)

# "@", "(at)", "[ät]", " at "; ".", "(dot)", "(punkt)", " dot ": addresses spelled out to
# fool harvesters are still addresses.
_AT = r"(?:\s*@\s*|\s*[(\[{]\s*(?:at|ät)\s*[)\]}]\s*|\s+(?:at|ät)\s+)"
_DOT = r"(?:\s*\.\s*|\s*[(\[{]\s*(?:dot|punkt)\s*[)\]}]\s*|\s+(?:dot|punkt)\s+)"
_EMAIL = re.compile(
    rf"[\w%+-]+(?:{_DOT}[\w%+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,}}\b",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
# DE89 3704 0044 0532 0130 00 and other countries' IBANs, with or without spaces, dots or
# hyphens between the groups.
_IBAN = re.compile(
    r"\b[A-Z]{2}\d{2}(?:[ .-]?[A-Z0-9]{4}){2,7}(?:[ .-]?[A-Z0-9]{1,3})?\b", re.IGNORECASE
)
# A number right after a word that says what it is: the number is personal, whatever its form.
# The number is one token; spaces inside it only before more digits (8949 0200 0012).
_LABELLED = re.compile(
    r"\b((?:kunden|vertrags?|ruf|telefon|handy|mobil|kd|auftrags|ticket|vorgangs|sim|karten"
    r"|serien|geräte)[\s-]*(?:nummer|nr\.?|no\.?|#)|kundenkonto|konto|imei|imsi|iccid|msisdn"
    r"|customer\s+(?:number|no\.?|id)|contract\s+(?:number|no\.?)|account\s+(?:number|no\.?)"
    r"|phone\s+(?:number|no\.?)|serial\s+(?:number|no\.?))"
    r"(\s*[:#.]?\s*)([A-Z0-9](?:[A-Z0-9/.-]|\s(?=\d))*\d[A-Z0-9/-]*)",
    re.IGNORECASE,
)
# Phone numbers: a leading +, 00 or 0 (or "(0"), then digit groups each after at most one
# space, slash or hyphen (or in brackets); seven digits or more in all. "06 / 12 / 18 Uhr" is
# not one, nor is a date.
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(?0)\d*\)?(?:[ /-]?\(?\d+\)?)*")
# The same with dots (0176.1234.5678): a first group of three digits or more, so that a date
# (01.12.2011) is never one.
_DOTTED_PHONE = re.compile(r"(?<![\w.])0\d{2,5}(?:\.\d{2,}){1,3}(?![\w.])")
_PHONE_MIN_DIGITS = 7
_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:\d{2}|\d{4})|\d{4}-\d{2}-\d{2}")
# Seven or more digits in a row (or joined by hyphens), or groups of four such as a device or
# card number: contract, customer and device numbers. Years in a row (2023 2024) are years.
_LONG_DIGITS = re.compile(r"(?<![\w])(?:\d(?:-?\d){6,}|\d{4}(?: \d{4}){2,})(?![\w])")
_YEARS = re.compile(r"(?:(?:19|20)\d\d ?)+")


def _long_digits(match: re.Match) -> str:
    text = match.group(0)
    return text if _DATE.fullmatch(text) or _YEARS.fullmatch(text) else REDACTED


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if digits < _PHONE_MIN_DIGITS or _DATE.fullmatch(text.strip()):
        return text
    return REDACTED


def _iban(match: re.Match) -> str:
    # An IBAN has at least 12 digits; "DE12 ABCD EFGH" is a word, not an account.
    return REDACTED if sum(c.isdigit() for c in match.group(0)) >= 12 else match.group(0)


def redact(text: str, email: str = "") -> str:
    """The text with personal data replaced by REDACTED (see the module doc)."""
    if not text:
        return text
    if not email and not _MAYBE_PERSONAL.search(text):
        return text  # no digit, no @, no link: nothing any rule below could match
    if email:
        text = _replace_words(text, email, whole_words=False)
    text = _EMAIL.sub(REDACTED, text)
    text = _URL.sub(REDACTED, text)
    text = _IBAN.sub(_iban, text)
    text = _LABELLED.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    text = _PHONE.sub(_phone, text)
    text = _DOTTED_PHONE.sub(_phone, text)
    text = _LONG_DIGITS.sub(_long_digits, text)
    local = email.partition("@")[0] if email else ""
    if len(local) >= 3:
        text = _replace_words(text, local, whole_words=True)
    return text


def _replace_words(text: str, word: str, *, whole_words: bool) -> str:
    """text with every occurrence of word (any case) replaced by REDACTED; with whole_words,
    only where no letter or digit touches it. Plain string search: a regular expression per
    submitter would be compiled anew for each of them (imports run this for every row)."""
    lower, needle = text.lower(), word.lower()
    if len(lower) != len(text) or needle not in lower:
        # Lower-casing changed the length (a rare letter such as İ): fall back to a pattern.
        if needle not in lower:
            return text
        pattern = rf"(?<!\w){re.escape(word)}(?!\w)" if whole_words else re.escape(word)
        return re.sub(pattern, REDACTED, text, flags=re.IGNORECASE)
    parts, start = [], 0
    while (found := lower.find(needle, start)) != -1:
        end = found + len(needle)
        touching = whole_words and (
            (found > 0 and (text[found - 1].isalnum() or text[found - 1] == "_"))
            or (end < len(text) and (text[end].isalnum() or text[end] == "_"))
        )
        if touching:
            parts.append(text[start:end])
        else:
            parts.append(text[start:found] + REDACTED)
        start = end
    parts.append(text[start:])
    return "".join(parts)
