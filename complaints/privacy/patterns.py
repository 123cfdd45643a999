"""The compiled expressions of the redaction rules, one named pattern per kind of personal
data; finders.py decides which of their matches are personal data.

Each comment says why a pattern is shaped as it is. Patterns written in lower case (EMAIL,
URL, IBAN, PHONE_WORDS, LABELLED, IPV6, BIRTH, the units) run on the lower-cased text:
case-insensitive matching costs four times as much. Every pattern is bounded (no nested
unbounded repetition), so that 2,000 characters of hostile input take milliseconds.
"""

import re

from complaints.privacy.vocabulary import (
    DIGIT_WORDS,
    MONTHS,
    PROVIDERS,
    STREET_ADJECTIVES,
    STREET_SUFFIXES,
    TLDS,
    UNITS,
)

# A unit after a number makes it a measure, a duration or a count.
UNIT_AFTER = re.compile(rf"\s?/?\s?{UNITS}")
DIGIT_WORD = re.compile(DIGIT_WORDS)

# "@", "(at)", "[at]", "{at}", "<at>", "(ät)", "(a)", " at ", "-at-", "_at_": addresses
# spelled out to fool harvesters are still addresses. Parts are bounded (64 characters, 6
# dots) so that a long run of "a.a.a." cannot make the search quadratic.
_AT = (
    r"(?:\s?@\s?|\s?[(\[{<]\s?(?:at|ät|a|@)\s?[)\]}>]\s?|\s(?:at|ät)\s|[-_](?:at|ät)[-_]"
    r"|\s?\(\s?at\s?\)\s?)"
)
_DOT = r"(?:\s?\.\s?|\s?[(\[{<]\s?(?:dot|punkt|\.)\s?[)\]}>]\s?|\s(?:dot|punkt)\s)"
# The local part may spell its dots too ("jonas punkt becker at posteo punkt de").
_LOCAL = r"[\w%+-]{1,64}(?:(?:\.|_|\s(?:punkt|dot)\s)[\w%+-]{1,64}){0,5}"
EMAIL = re.compile(
    rf"(?<![\w.]){_LOCAL}{_AT}[\w-]{{1,63}}(?:{_DOT}[\w-]{{1,63}}){{0,4}}{_DOT}[a-z]{{2,12}}\b"
)
AT_HINT = re.compile(r"@|[(\[{<]\s?(?:at|ät|a)\s?[)\]}>]|[\s_-](?:at|ät)[\s_-]")
BEI_HINT = re.compile(rf"\sbei\s+{PROVIDERS}\b")
# "kalle bei gmx punkt de", "anna.b bei web.de": "bei" only before a mail provider.
EMAIL_BEI = re.compile(
    rf"(?<![\w.]){_LOCAL}\s+bei\s+{PROVIDERS}(?:\s?(?:\.|punkt|dot)\s?)(?:de|com|net|org|at"
    rf"|ch|eu)\b"
)
# "meine gmail ist kalle.b1980", "E-Mail: k.mueller": an address given without its domain,
# after a colon or "ist"; the value must look like one (a dot, underscore or digit).
EMAIL_NAMED = re.compile(
    rf"(?<![\w-])(?:{PROVIDERS}|e-?mail|mail)(?:-?adresse|-?account|-?konto)?"
    r"(?:\s{0,2}:\s{0,2}|\s{1,3}(?:ist|lautet)\s{1,3}(?:die\s{1,3})?)"
    r"(?P<local>[a-z][\w+-]{0,63}(?:\.[\w+-]{1,63}){0,5})(?![\w@])"
)
# "k a l l e @ w e b . d e": letters spaced out one by one.
EMAIL_SPACED = re.compile(r"(?<!\S)\w(?: [\w.+-]){1,63} ?@ ?\w(?: [\w.-]){2,63}(?!\w)")
# Links with a scheme or "www.", and bare domains with a path or without ("bit.ly/3xY",
# "t.me/kalle", "kalle-b.de"): a link points at someone's page, profile or upload.
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]{1,500}")
DOMAIN = re.compile(
    rf"(?<![\w.@/-])[a-zA-Z0-9](?:[\w-]{{0,62}})(?:\.[\w-]{{1,63}}){{0,4}}"
    rf"\.(?:{TLDS}|{TLDS.upper()})(?![\w-])(?:/[^\s<>\"]{{0,300}})?"
)
# IBAN: two letters, two check digits, then (for NL, GB and others) up to four letters and
# digits in any spacing ("DE 89 3704 00440532 0130 00", dots, hyphens, groups of three).
IBAN = re.compile(r"(?<![\w])[a-z]{2}\s?\d{2}(?:[ .-]{0,2}[a-z]){0,4}(?:[ .-]{0,2}\d){10,30}(?!\w)")
# Phone numbers: +49 / 0049 (with or without "(0)"), or a German area code 0 + 2 to 5
# digits (in brackets or not), then groups after at most one separator with a space on
# either side. An area code needs three digits, so "06 / 12 / 18 Uhr" and "01.12.2011" are
# not phone numbers; the digit count and the units after it are checked by the finders.
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?\d{2,3}(?:\s?\(0\))?(?:[\s./-]{0,3}\(\d{1,5}\))?"
    r"|\(0\d{2,5}\)|0\d{2,5})"
    r"(?:\s{0,2}[/.-]?\s{0,2}\d{1,8}){0,6}(?![\w])"
)
# "o176 / 12 34 56": a letter O typed for the leading zero (read as 0 by PHONE only).
O_AS_ZERO = re.compile(r"(?<![\w+])[oO](?=\d{2,5}(?!\w))")
# "Vorwahl 030, dann 612 34 56": the area code and the number said one after the other.
PHONE_SPLIT = re.compile(
    r"(?<![\w+])0\d{2,5},?\s{1,3}(?:dann|und|danach|durchwahl|rest|nummer)\s{1,3}:?\s{0,2}"
    r"\d{1,8}(?:[\s/-]{1,3}\d{1,8}){0,5}(?!\w)"
)
# "Tel 12 34 56", "Festnetz: 45678": a local number of five or six digits after a phone word
# (seven or more are PHONE's). Five digits alone may be a postal code ("Festnetz 10115 tot"):
# they count after a colon or in groups only.
PHONE_LABELLED = re.compile(
    r"(?<![\w-])(?:tel\.?|telefon|handy|mobil|festnetz|rufnummer|whatsapp)(?P<colon>\s{0,2}:)?"
    r"\s{0,2}(?P<value>\d{2,6}(?:[ /-]\d{1,6}){0,4})(?![\w])"
)
# Free, shared-cost and premium numbers (0800, 0180x, 0900) belong to companies: the
# carrier's hotline is no one's personal data.
SERVICE_NUMBER = re.compile(r"(?:\+49\s?|0049\s?|0)(?:800|180\d?|900)\b")
# "0 1 7 6 1 2 3 4 5 6 7 8": digits spaced out one by one.
PHONE_SPACED = re.compile(r"(?<![\w+])(?:\+ ?\d{1,3}|0)(?:(?: [-/.])? \d){7,16}(?!\w)")
# "null eins sieben sechs, eins zwei drei ...", also mixed with digits ("0176 eins zwei").
PHONE_WORDS = re.compile(
    rf"(?<!\w)(?:{DIGIT_WORDS}|\d{{1,6}})(?:[\s,;/-]{{1,3}}(?:dann\s|und\s)?(?:{DIGIT_WORDS}"
    rf"|\d{{1,6}}))"
    rf"{{5,20}}(?!\w)"
)
# A number right after a word that says what it is (customer, contract, ticket, device
# number; a password): the value is personal whatever its form. "Kundennummer ist die 4711",
# "Ticket #A-123", "Vertrag: 556677". Weak labels (Vertrag, Ticket, Vorgang) need a value
# that looks like a number and no unit after it: "Vertrag: 24 Monate" is a duration.
_STRONG_LABEL = (
    r"(?:kunden|vertrags?|kd|k|auftrags|ticket|vorgangs|störungs|stoerungs|referenz|rechnungs"
    r"|bearbeitungs|fall|sim|karten|sim-karten|serien|geräte|ruf|telefon|handy|mobil|konto"
    r"|mobilfunk|bestell|service)[\s.-]{0,2}(?:nummer|nr\.?|no\.?|id|#)"
    r"|kdnr\.?|kundennr\.?|kundenkonto|kunden-?id|case[\s-]?id|imei(?:[\s-]?nr\.?)?|imsi"
    r"|iccid|msisdn|eid|s/n|sn|seriennr\.?"
    r"|customer\s+(?:number|no\.?|id)|contract\s+(?:number|no\.?)|account\s+(?:number|no\.?)"
    r"|serial\s+(?:number|no\.?)|ticket\s+id"
)
_WEAK_LABEL = r"(?:vertrag|ticket|vorgang|auftrag|kundenkonto|konto|referenz|case|fall|sim)"
_LOGIN_LABEL = r"(?:kundenkennwort|kennwort|passwort|password|pw|pin|puk|pin-code|puk-code)"
# "WLAN-Passwort", "Router-PIN": a compound says whose password it is.
_LOGIN_COMPOUND = rf"(?:[a-zäöü0-9]{{2,12}}-)?{_LOGIN_LABEL}"
# "Seriennummer vom Router: ...", "Kundennummer meines Vertrags ist ...": a few words
# may come between the label and a colon or "ist".
_FILLER = (
    r"(?:\s(?:vom|von|meines|meiner|meinem|des|der|für)\s[\wäöüß-]{2,20}(?=\s?[:=]|\sist\s))?"
    r"(?:\s{0,3}[:#=]\s{0,3}|\s{1,3})(?:(?:ist|lautet|wäre|war|is)\s{1,3}(?:die\s{1,3}"
    r"|der\s{1,3}|:\s?)?|die\s{1,3}|nr\.?\s{0,2})?#?\s?"
)
_VALUE = r"[a-z0-9](?:[a-z0-9/.#-]|\s(?=\d)){0,39}"
LABELLED = re.compile(
    rf"(?<![\w-])(?P<label>{_STRONG_LABEL}|{_WEAK_LABEL}|{_LOGIN_COMPOUND})(?P<filler>{_FILLER})"
    rf"(?P<value>{_VALUE})"
)
# What the label says about its value (matched against LABELLED's "label" and "filler").
WEAK_LABEL = re.compile(_WEAK_LABEL)
LOGIN_LABEL = re.compile(_LOGIN_COMPOUND)
LOGIN_SAID = re.compile(r"[:=]|ist|lautet")
DEVICE_LABEL = re.compile(r"imei|imsi|iccid|serien|s/n|sn|eid|geräte|sim")
PHONE_LABEL = re.compile(r"ruf|telefon|handy|mobil|msisdn")
# After a weak label: "Vertrag 2019" is a year, "Vertrag 02/2025 verlängert" a date.
YEAR = re.compile(r"(?:19|20)\d\d")
SHORT_DATE = re.compile(r"\d{1,2}[./]\d{1,2}[./]?\d{0,4}|\d{1,2}/\d{4}")
# German licence plates: district (1 to 3 capitals), 1 or 2 letters, 1 to 4 digits, E or H
# (electric, historic). Capitals only, and a list of network and transport words that have
# the same shape ("DB RE 7", "LTE B 20").
PLATE = re.compile(
    r"(?<![\w-])(?P<district>[A-ZÄÖÜ]{1,3})(?:\s?-\s?|\s|:\s?)(?P<letters>[A-Z]{1,2})[\s-]?"
    r"[1-9]\d{0,3}[EH]?(?![\w,.]\d|\w)"
)
# "Modem CBR CH7465", "Router TP Archer C6": a device word before the letters and digits.
DEVICE_BEFORE = re.compile(
    r"(?:modem|router|modell|model|typ|type|gerät|repeater|hotspot|stick|handy|smartphone)"
    r"\s{1,3}$"
)
# A street with a house number: a word ending in Straße, Str., Weg, Allee, Platz ... (or two
# words, "Schönhauser Allee"), or "Am Markt", "Unter den Linden"; then the number, with a
# letter or a range. The street alone is kept (the carrier needs it), with the number both
# go. A unit after the number ("Hauptstraße 3 Balken") means it was not a house number.
# "Karl-Liebknecht-Straße": the suffix may follow a hyphen.
_STREET_WORD = r"[A-ZÄÖÜa-zäöüß][\wäöüß]{0,40}(?:-[\wäöüß]{1,40}){0,4}-?"
ADDRESS = re.compile(
    rf"(?<![\w-])(?:(?:{STREET_ADJECTIVES}\s)?{_STREET_WORD}(?i:{STREET_SUFFIXES})"
    rf"|[A-ZÄÖÜa-zäöü][\wäöüß]{{1,30}}\s(?i:{STREET_SUFFIXES})"
    rf"|(?:(?:Am|Im|An\sder|An\sden|Auf\sdem|Auf\sder|Unter\sden|Zum|Zur|Hinter\sder|Vor\sdem"
    rf"|Alt)\s|Alt-)[A-ZÄÖÜ][a-zA-ZäöüßÄÖÜ-]{{1,40}})"
    # "Goethestraße Nr. 14"; a road's number ("Auf der B96") is no house number.
    rf"\s?(?:(?i:nr\.?|hausnr\.?|hausnummer)\s{{0,2}})?(?P<number>[1-9]\d{{0,3}}(?:\s?[a-fA-F](?!\w))?(?:\s?[-/]\s?\d{{1,4}}[a-f]?)?)"
    rf"(?![\w,.]\d|\w)"
)
# Where no street word or preposition comes right before a number, no address can match.
ADDRESS_HINT = re.compile(
    rf"{STREET_SUFFIXES}\s?(?:nr\.?\s?|hausnr\.?\s?|hausnummer\s?)?[1-9]"
    r"|(?:am|im|an|auf|unter|zum|zur|hinter|vor|alt)[\s-](?:de[rnm]\s)?\S{1,40}\s?[1-9]"
)
# "3. OG", "5. Stock": a floor, not a house number.
FLOOR_AFTER = re.compile(r"\s?\.\s?(?:og|stock|etage)")
# "Adresse: Lindenhof 3", "wohne Rosenhöhe 12": after such a word, capitalised words and a
# number are an address even without a street word.
ADDRESS_LABELLED = re.compile(
    r"(?<!\w)(?i:adresse|anschrift|wohnhaft|wohne)\s{0,2}:?\s{1,3}"
    r"(?P<street>[A-ZÄÖÜ][\wäöüß.-]{1,40}(?:\s[A-ZÄÖÜ][\wäöüß.-]{1,40}){0,2})"
    r"\s(?P<number>[1-9]\d{0,3}[a-f]?)(?![\w,.]\d|\w)"
)
# Names after a cue. "Ich heiße", "mein Name ist", "ich bin der/die" take the next one to
# three words even in lower case; a title or a greeting takes capitalised words only.
_NAME_WORD = r"[A-ZÄÖÜ][\wäöüßçğ\u0131şéèáàñ'-]{0,40}"
_ANY_NAME_WORD = r"[\wäöüßçğ\u0131şéèáàñ'-]{2,40}"
_PARTICLE = r"(?:(?:von|van|de|zu|von\sder|van\sder|el|al)\s)"
NAME_SAID = re.compile(
    rf"(?P<cue>(?i:ich\s{{1,3}}hei(?:ß|ss)e|mein\s{{1,3}}name\s{{1,3}}ist|mein\s{{1,3}}name:"
    rf"|name:|ich\s{{1,3}}bin\s{{1,3}}(?:der|die)|hier\s{{1,3}}schreibt|hier\s{{1,3}}ist))"
    rf"\s{{1,3}}(?P<name>{_ANY_NAME_WORD}(?:,?\s{_PARTICLE}?{_ANY_NAME_WORD}){{0,2}})"
)
# "Kowalczyk, Agnieszka" is one name; "Anna, wohne ..." ends at the comma.
NAME_AFTER_COMMA = re.compile(r",\s(?![A-ZÄÖÜ]).*")
NAME_STOP = re.compile(
    r"\s(?:und|aus|bin|wohne|habe|hab|seit|ich|mit|in|im|am|vom|von\sder|kunde|kundin|auch"
    r"|hier|schon|bei|wegen|sauer|wütend|genervt|aber|nur|leider|schreibe|melde|der|die|das"
    r"|ein|eine|zum|zur)\b.*",
    re.IGNORECASE | re.DOTALL,
)
NAME_TITLED = re.compile(
    rf"(?<!\w)(?:Herrn?|Frau|Hr\.|Fr\.|Dr\.|Prof\.|Familie|Fam\.)\s{{1,3}}"
    rf"(?:(?:Dr|Prof|Dipl\.-[A-Z][a-z]{{1,8}}|Ing|med|jur|rer\.\snat|Mag)\.\s{{0,3}}){{0,3}}"
    rf"(?P<name>{_PARTICLE}?{_NAME_WORD}(?:\s{_PARTICLE}?{_NAME_WORD})?)"
)
NAME_GREETING = re.compile(
    rf"(?<!\w)(?:MfG|mfg|Mfg|Mit\sfreundlichen\sGrüßen|Mit\sfreundlichem\sGruß|Viele\sGrüße"
    rf"|Liebe\sGrüße|Beste\sGrüße|Schöne\sGrüße|Freundliche\sGrüße|Herzliche\sGrüße|Gruß"
    rf"|Grüße|LG|VG|Gez\.|gez\.|Unterschrift:|Cheers|Danke|Tschüss)[,!.:]?\s{{1,3}}"
    rf"(?P<name>(?:[A-ZÄÖÜ]\.\s?)?{_NAME_WORD}(?:\s{_PARTICLE}?{_NAME_WORD})?)"
)
NAME_RELATION = re.compile(
    rf"(?<!\w)(?i:nachbarin|nachbar|kollegin|kollege|mitarbeiterin|mitarbeiter|technikerin"
    rf"|techniker|sachbearbeiterin|sachbearbeiter|vermieterin|vermieter)\s{{1,3}}"
    rf"(?P<name>{_NAME_WORD}(?:\s{_PARTICLE}?{_NAME_WORD})?)"
)
# A common first name and a capitalised word after it: "Thomas Müller aus dem 3. Stock".
# The first names come from data/first_names.txt; a street or place word after the pair
# ("Ernst Reuter Platz") or a hyphen before it ("Rosa-Luxemburg-") makes it a place.
NAME_PAIR = re.compile(
    r"(?<![\w-])(?P<first>[A-ZÄÖÜ][a-zäöüßéèçğ\u0131ş]{1,20}(?:-[A-ZÄÖÜ][a-zäöüß]{1,20})?)"
    r"\s(?P<particle>(?:von|van|de|zu)\s)?(?P<last>[A-ZÄÖÜ][\wäöüßçğ\u0131ş'-]{1,40})"
    r"(?P<after>\s[\wäöüß.]{1,20})?"
)
# "Paul Lincke-Ufer", "Ernst Reuter Platz": a street word in or after the pair.
STREET_SUFFIX_START = re.compile(rf"(?i:{STREET_SUFFIXES})\b")
STREET_SUFFIX_END = re.compile(rf"(?i:{STREET_SUFFIXES})$")
# "seit Jan Ausfälle": the month, not a first name.
MONTH_BEFORE = re.compile(r"(?i:seit|ab|im|bis|anfang|ende|mitte|vom|zum|letzten|diesen)\s$")
# "ich bin Kalle": a known first name right after these words.
FIRST_NAME_ALONE = re.compile(r"(?<![\w-])(?:ich\s{1,3}bin|bin\s{1,3}der|bin\s{1,3}die)\s")
CAPITALISED_WORD = re.compile(r"[A-ZÄÖÜ][\wäöüß-]{1,30}")
# IPv4 and IPv6 addresses identify a connection, hence a customer.
IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\.?\d|\w)"
)
# Version numbers of four parts ("Firmware 24.3.1.115") are no addresses.
VERSION_BEFORE = re.compile(
    r"(?i:version|firmware|build|software|update|ios|android|v\.?|release)\s{0,3}:?\s{0,3}$"
)
HEX_LETTER = re.compile(r"[a-f]", re.IGNORECASE)
IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9a-f]{1,4}(?::{1,2}[0-9a-f]{1,4}){2,7}|::[0-9a-f]{1,4}(?::[0-9a-f]{1,4})"
    r"{0,6})(?:::)?(?![\w:])"
)
# Social-media handles: "@name" (not inside an email address), "u/name", "name#1234", and a
# word after a network's name when it looks like a handle (has "_", ".", a digit) or follows
# a colon ("Insta: kalle").
HANDLE = re.compile(
    r"(?<![\w@.])@[A-Za-z0-9_][\w.]{0,30}[\w](?:@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4})?"
)
HANDLE_REDDIT = re.compile(r"(?<![\w/])u/[\w-]{2,30}(?:\.[\w-]{1,30}){0,3}")
HANDLE_NAMED = re.compile(
    r"(?<!\w)(?i:insta(?:gram)?|twitter|tiktok|telegram|snap(?:chat)?|discord|reddit|mastodon"
    r"|threads|bluesky|facebook|fb|youtube|twitch|signal|whatsapp)"
    r"(?P<colon>\s{0,2}:\s{0,2}|\s{1,3}(?:ist\s{1,3}|lautet\s{1,3})?)(?:@)?"
    r"(?P<handle>[\w][\w.#-]{1,39})"
)
# Birth dates: a date after "geb.", "geboren (am)", "Geburtsdatum", "*", or before
# "geboren". A date without such a word is the date of a problem and stays.
_DATE = (
    rf"(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{4}}|\d{{2}})|\d{{1,2}}\.\s?{MONTHS}\.?\s\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})"
)
BIRTH = re.compile(
    rf"(?i:(?:geb\.(?:-?datum)?|geboren|geburtsdatum|geburtstag|date\sof\sbirth|dob)"
    rf"(?:\s{{0,3}}(?::|am|ist|der|den|ist\sder)){{0,3}}[\s:]{{0,3}}|\*\s?)"
    rf"(?P<date>{_DATE})"
    rf"|(?P<date_before>{_DATE})(?=\s{{1,3}}(?i:geboren))"
)
BIRTH_HINT = re.compile(r"geb\.|geboren|geburt|dob|\*|birth")
# Seven or more digits in a row: customer, contract and device numbers without a label.
LONG_DIGITS = re.compile(r"(?<![\w.,])\d{7,}(?![\w])")
# Digits in groups with 11 or more digits in all: IMEIs ("35 693803 564380 9"), SIM and card
# numbers. Lists of frequencies (a unit after), postal codes (five digits each) and years
# are not (checked by the finder).
GROUPED_DIGITS = re.compile(r"(?<![\w.,/])\d{1,8}(?:[ .-]\d{1,8}){1,7}(?![\w])")
# Numbers of the network itself (cell, tower, channel) that a carrier needs.
NETWORK_LABEL_BEFORE = re.compile(
    r"(?:cell[\s-]?id|zell[\s-]?id|cid|eci|ecgi|earfcn|arfcn|nrarfcn|pci|tac|lac|enb|gnb"
    r"|funkzelle|zelle|mast(?:nummer|-nr\.?)?|standort(?:nummer)?)\s{0,3}[:=]?\s{0,3}$"
)
YEARS = re.compile(r"(?:(?:19|20)\d\d[ .-]?)+")
POSTCODES = re.compile(r"(?:\d{5}[ .-]?)+")
