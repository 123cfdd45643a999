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

_EMAIL = re.compile(
    r"[\w.%+-]+\s*(?:@|\(at\)|\[at\]|\{at\})\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)*"
    r"\s*(?:\.|\(dot\)|\[dot\])\s*[a-z]{2,}\b",
    re.IGNORECASE,
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
# DE89 3704 0044 0532 0130 00 and other countries' IBANs, with or without spaces.
_IBAN = re.compile(
    r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE
)
# A number right after a word that says what it is: the number is personal, whatever its form.
_LABELLED = re.compile(
    r"\b((?:kunden|vertrags|ruf|telefon|handy|mobil|kd|auftrags|ticket|vorgangs|sim|karten)"
    r"[\s-]*(?:nummer|nr\.?|no\.?|#)|imei|imsi|iccid|msisdn|customer\s+(?:number|no\.?|id)"
    r"|contract\s+(?:number|no\.?)|account\s+(?:number|no\.?)|phone\s+(?:number|no\.?))"
    r"(\s*[:#.]?\s*)([A-Z0-9][A-Z0-9 /.-]*\d[A-Z0-9/-]*)",
    re.IGNORECASE,
)
# Phone numbers: a leading +, 00 or 0 (or "(0"), then digit groups separated by single spaces,
# slashes, hyphens or brackets; seven digits or more in all. Dots are not separators, so
# dates such as 01.12.2011 stay.
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(?0)[\d() /-]*\d")
_PHONE_MIN_DIGITS = 7
_LONG_DIGITS = re.compile(r"(?<![\w])\d(?:[ -]?\d){6,}(?![\w])")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _long_digits(match: re.Match) -> str:
    return match.group(0) if _ISO_DATE.fullmatch(match.group(0)) else REDACTED


def _phone(match: re.Match) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    return REDACTED if digits >= _PHONE_MIN_DIGITS else text


def _iban(match: re.Match) -> str:
    # An IBAN has at least 12 digits; "DE12 ABCD EFGH" is a word, not an account.
    return REDACTED if sum(c.isdigit() for c in match.group(0)) >= 12 else match.group(0)


def redact(text: str, email: str = "") -> str:
    """The text with personal data replaced by REDACTED (see the module doc)."""
    if not text:
        return text
    if email:
        text = re.sub(re.escape(email), REDACTED, text, flags=re.IGNORECASE)
    text = _EMAIL.sub(REDACTED, text)
    text = _URL.sub(REDACTED, text)
    text = _IBAN.sub(_iban, text)
    text = _LABELLED.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    text = _PHONE.sub(_phone, text)
    text = _LONG_DIGITS.sub(_long_digits, text)
    local = email.partition("@")[0] if email else ""
    if len(local) >= 3:
        text = re.sub(rf"(?<!\w){re.escape(local)}(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return text
