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

Matching runs on the NFKC form of the text (full-width at signs and digits are "@" and digits);
replacing runs on the original text. Every pattern is bounded (no nested unbounded
repetition), so that 2,000 characters of hostile input take milliseconds.
"""

import re
import unicodedata
from pathlib import Path

REDACTED = "[entfernt]"

# ---------------------------------------------------------------------------------------
# Vocabulary


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Mail providers: "name bei gmx punkt de" is an address only with a provider's name, since
# "bei" is one of the commonest German words.
_PROVIDERS = (
    r"(?:gmx|web|gmail|googlemail|t-online|yahoo|outlook|hotmail|live|posteo|mailbox|freenet"
    r"|arcor|icloud|me|aol|proton|protonmail|online|email|mail|vodafone|o2online|kabelmail)"
)
# Top-level domains a bare domain may end in. Lower case (or all upper case) only: "Netz.Es"
# is a sentence without its space, not a domain.
_TLDS = (
    "de|com|net|org|eu|info|io|ly|me|be|gl|co|at|ch|tv|app|social|ee|gd|uk|fr|nl|pl|ru"
    "|tr|berlin|hamburg|koeln|bayern|online|site|blog|page|link|xyz|biz|cc|to|gg|sh"
)
_UNITS = (
    r"(?:uhr|h\b|min|minuten|sek|sekunden|stunden|std|tage?n?|wochen?|monate?n?|jahre?n?|mal\b"
    r"|x\b|mbit|kbit|gbit|mb\b|gb\b|kb\b|mhz|ghz|khz|db\b|dbm|km\b|m\b|meter|kilometer|%"
    r"|prozent|€|euro|eur\b|cent|balken|leute|personen|nachbarn|mbps|ms\b|grad|°)"
)
_UNIT_AFTER = re.compile(rf"\s?/?\s?{_UNITS}")
_DIGIT_WORDS = r"(?:null|eins|ein|zwei|zwo|drei|vier|fünf|fuenf|sechs|sieben|acht|neun)"
_FIRST_NAMES = frozenset(
    line.strip()
    for line in (Path(__file__).resolve().parent / "data" / "first_names.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
)
# Capitalised words that follow a cue or a first name without being a name: "Gruß aus",
# "MfG Ihr Kunde", "Paul Lincke Ufer".
_NOT_NAMES = _words(
    "Ihr Ihre Euer Eure Dein Deine Ein Eine Die Der Das Den Dem Kunde Kundin Team Hotline"
    " Shop Support Service Kundenservice Technik Netz Empfang Internet Telekom Vodafone O2"
    " Abend Morgen Mittag Nachmittag Vormittag Nacht Wochenende Danke Bitte Und Aus Von"
    " Straße Strasse Str Platz Allee Weg Ufer Damm Ring Brücke Kirche Gedächtniskirche Park"
    " Bahnhof Hauptbahnhof Haus Schule Gymnasium Stadion Center Markt Chaussee Gasse Tor"
    " Garten Stadt Dorf Siedlung Viertel Kiez Höhe Ecke Richtung Nord Süd Ost West Mitte"
    " Bus Tram Zug Bahn S-Bahn U-Bahn ICE LTE Edge Band Mast Sender Funkmast Mit Im In Am"
    " Auf Bei Seit Ab Nach Vor Wir Ich Es Er Sie Hier Heute Gestern Jetzt Leider Also Aber"
    " Kein Keine Nur Auch Wie Was Wenn Dann Noch Schon Alle Zwischen Laut Vielen Dank PS"
    " Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Box Speed Bar Cafe Café"
    " Restaurant Institut Klinik Krankenhaus Hotel Apotheke Zentrum Halle Arena Museum"
    " Theater Kino Universität Uni Hochschule Kita Gemeinde Stiftung GmbH AG Abends Morgens"
    " Nachts Mittags Vormittags Nachmittags Sa So Wochenendes Nachbar Nachbarin Nachbarn"
    " Kollege Kollegin Kunden Mann Sohn Tochter Oma Opa Vermieter"
)

# ---------------------------------------------------------------------------------------
# One named pattern per kind of personal data. Each says (in its comment) why it is shaped
# as it is; the categories are those of the corpus and the report. Patterns written in lower
# case (EMAIL, URL, IBAN, PHONE_WORDS, LABELLED, IPV6, BIRTH, the units) run on the
# lower-cased text: case-insensitive matching costs four times as much.

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
_AT_HINT = re.compile(r"@|[(\[{<]\s?(?:at|ät|a)\s?[)\]}>]|[\s_-](?:at|ät)[\s_-]")
_BEI_HINT = re.compile(rf"\sbei\s+{_PROVIDERS}\b")
# "kalle bei gmx punkt de", "anna.b bei web.de": "bei" only before a mail provider.
EMAIL_BEI = re.compile(
    rf"(?<![\w.]){_LOCAL}\s+bei\s+{_PROVIDERS}(?:\s?(?:\.|punkt|dot)\s?)(?:de|com|net|org|at"
    rf"|ch|eu)\b"
)
# "meine gmail ist kalle.b1980", "E-Mail: k.mueller": an address given without its domain,
# after a colon or "ist"; the value must look like one (a dot, underscore or digit).
EMAIL_NAMED = re.compile(
    rf"(?<![\w-])(?:{_PROVIDERS}|e-?mail|mail)(?:-?adresse|-?account|-?konto)?"
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
    rf"\.(?:{_TLDS}|{_TLDS.upper()})(?![\w-])(?:/[^\s<>\"]{{0,300}})?"
)
# Carriers' and public services' own domains, without a path: "Netz Telekom.de" is the
# network's name on the phone, "breitbandmessung.de" the official speed test.
_COMPANY_DOMAINS = _words(
    "telekom.de t-mobile.de vodafone.de o2.de o2online.de telefonica.de 1und1.de congstar.de"
    " aldi-talk.de freenet.de fraenk.de blau.de bundesnetzagentur.de breitbandmessung.de"
    " speedtest.net fast.com netflix.com youtube.com google.com whatsapp.com"
)
# IBAN: two letters, two check digits, then (for NL, GB and others) up to four letters and
# digits in any spacing ("DE 89 3704 00440532 0130 00", dots, hyphens, groups of three).
IBAN = re.compile(r"(?<![\w])[a-z]{2}\s?\d{2}(?:[ .-]{0,2}[a-z]){0,4}(?:[ .-]{0,2}\d){10,30}(?!\w)")
# Phone numbers: +49 / 0049 (with or without "(0)"), or a German area code 0 + 2 to 5
# digits (in brackets or not), then groups after at most one separator with a space on
# either side. An area code needs three digits, so "06 / 12 / 18 Uhr" and "01.12.2011" are
# not phone numbers; the digit count and the units after it are checked in _phone_spans().
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?\d{2,3}(?:\s?\(0\))?(?:[\s./-]{0,3}\(\d{1,5}\))?"
    r"|\(0\d{2,5}\)|0\d{2,5})"
    r"(?:\s{0,2}[/.-]?\s{0,2}\d{1,8}){0,6}(?![\w])"
)
# "o176 / 12 34 56": a letter O typed for the leading zero (read as 0 by PHONE only).
_O_AS_ZERO = re.compile(r"(?<![\w+])[oO](?=\d{2,5}(?!\w))")
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
_SERVICE_NUMBER = re.compile(r"(?:\+49\s?|0049\s?|0)(?:800|180\d?|900)\b")
# "0 1 7 6 1 2 3 4 5 6 7 8": digits spaced out one by one.
PHONE_SPACED = re.compile(r"(?<![\w+])(?:\+ ?\d{1,3}|0)(?:(?: [-/.])? \d){7,16}(?!\w)")
# "null eins sieben sechs, eins zwei drei ...", also mixed with digits ("0176 eins zwei").
PHONE_WORDS = re.compile(
    rf"(?<!\w)(?:{_DIGIT_WORDS}|\d{{1,6}})(?:[\s,;/-]{{1,3}}(?:dann\s|und\s)?(?:{_DIGIT_WORDS}"
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
# German licence plates: district (1 to 3 capitals), 1 or 2 letters, 1 to 4 digits, E or H
# (electric, historic). Capitals only, and a list of network and transport words that have
# the same shape ("DB RE 7", "LTE B 20").
PLATE = re.compile(
    r"(?<![\w-])(?P<district>[A-ZÄÖÜ]{1,3})(?:\s?-\s?|\s|:\s?)(?P<letters>[A-Z]{1,2})[\s-]?"
    r"[1-9]\d{0,3}[EH]?(?![\w,.]\d|\w)"
)
_NOT_PLATE_DISTRICTS = _words(
    "LTE GSM SA NSA DB RE RB IC ICE EC IRE UMTS NR SMS MMS APN PIN PUK SIM USB TV PC GB MB"
    " KW OG EG DG UG OK KM SG VG LG MFG GPS BVG HVV MVG VBB ABC DSL VDSL ZDF ARD VW BMW ZTE"
    " HTC AVM KIA TP"
)
# "Modem CBR CH7465", "Router TP Archer C6": a device word before the letters and digits.
_DEVICE_BEFORE = re.compile(
    r"(?:modem|router|modell|model|typ|type|gerät|repeater|hotspot|stick|handy|smartphone)"
    r"\s{1,3}$"
)
# "VW ID 3", "ZTE MF 289": car and router models.
_NOT_PLATE_LETTERS = _words("RE RB IC EC SA NR OG EG UG DG GB MB ID MF")
# A street with a house number: a word ending in Straße, Str., Weg, Allee, Platz ... (or two
# words, "Schönhauser Allee"), or "Am Markt", "Unter den Linden"; then the number, with a
# letter or a range. The street alone is kept (the carrier needs it), with the number both
# go. A unit after the number ("Hauptstraße 3 Balken") means it was not a house number.
_SUFFIX = (
    r"(?:straße|strasse|str\.?|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad"
    r"|markt|graben|zeile|promenade|stieg|twiete|wall|anger|kamp)"
)
# "Kleine Rosenstr.", "Alte Schönhauser Str.": adjectives that start a street's name.
_STREET_ADJECTIVE = (
    r"(?:Kleine|Große|Grosse|Alte|Neue|Hohe|Lange|Obere|Untere|Breite|Schmale|Krumme|Hintere"
    r"|Vordere|Innere|Äußere|Westliche|Östliche|Nördliche|Südliche|Kurze|Stille|Schöne)"
)
# "Karl-Liebknecht-Straße": the suffix may follow a hyphen.
_STREET_WORD = r"[A-ZÄÖÜa-zäöüß][\wäöüß]{0,40}(?:-[\wäöüß]{1,40}){0,4}-?"
ADDRESS = re.compile(
    rf"(?<![\w-])(?:(?:{_STREET_ADJECTIVE}\s)?{_STREET_WORD}(?i:{_SUFFIX})"
    rf"|[A-ZÄÖÜa-zäöü][\wäöüß]{{1,30}}\s(?i:{_SUFFIX})"
    rf"|(?:(?:Am|Im|An\sder|An\sden|Auf\sdem|Auf\sder|Unter\sden|Zum|Zur|Hinter\sder|Vor\sdem"
    rf"|Alt)\s|Alt-)[A-ZÄÖÜ][a-zA-ZäöüßÄÖÜ-]{{1,40}})"
    # "Goethestraße Nr. 14"; a road's number ("Auf der B96") is no house number.
    rf"\s?(?:(?i:nr\.?|hausnr\.?|hausnummer)\s{{0,2}})?(?P<number>[1-9]\d{{0,3}}(?:\s?[a-fA-F](?!\w))?(?:\s?[-/]\s?\d{{1,4}}[a-f]?)?)"
    rf"(?![\w,.]\d|\w)"
)
# Where no street word or preposition comes right before a number, no address can match.
_ADDRESS_HINT = re.compile(
    rf"{_SUFFIX}\s?(?:nr\.?\s?|hausnr\.?\s?|hausnummer\s?)?[1-9]"
    r"|(?:am|im|an|auf|unter|zum|zur|hinter|vor|alt)[\s-](?:de[rnm]\s)?\S{1,40}\s?[1-9]"
)
# Compounds ending like a street that number seats, pitches and platforms, not houses.
_NOT_STREETS = _words(
    "Sitzplatz Stellplatz Parkplatz Arbeitsplatz Spielplatz Campingplatz Bahnsteig Flugsteig"
    " Stadtring Autobahnring Ring Platz Weg Berg Markt Wall Damm Steig"
)
_NOT_PLACES_AFTER_AM = _words(
    "Bus Zug Tram ICE IC RE RB Regionalzug Auto Wagen Stock OG Jahr Monat Sommer Winter"
    " Schnitt Durchschnitt Moment Wochenende Keller Tunnel Büro Gebäude Netz Abend Morgen"
    " Tag Wochenanfang Anfang Ende Handy Telefon Schnitt Haus Bahnhof Hauptbahnhof Gleis"
    " Schalter"
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
_NAME_STOP = re.compile(
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
_FIRST_NAME_ALONE = re.compile(r"(?<![\w-])(?:ich\s{1,3}bin|bin\s{1,3}der|bin\s{1,3}die)\s")
# IPv4 and IPv6 addresses identify a connection, hence a customer.
IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\.?\d|\w)"
)
# Everybody's name servers, and version numbers of four parts ("Firmware 24.3.1.115").
_PUBLIC_RESOLVERS = _words("8.8.8.8 8.8.4.4 1.1.1.1 1.0.0.1 9.9.9.9 149.112.112.112")
_VERSION_BEFORE = re.compile(
    r"(?i:version|firmware|build|software|update|ios|android|v\.?|release)\s{0,3}:?\s{0,3}$"
)
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
_MONTHS = (
    r"(?:januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november"
    r"|dezember|jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez)"
)
_DATE = (
    rf"(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{4}}|\d{{2}})|\d{{1,2}}\.\s?{_MONTHS}\.?\s\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})"
)
BIRTH = re.compile(
    rf"(?i:(?:geb\.(?:-?datum)?|geboren|geburtsdatum|geburtstag|date\sof\sbirth|dob)"
    rf"(?:\s{{0,3}}(?::|am|ist|der|den|ist\sder)){{0,3}}[\s:]{{0,3}}|\*\s?)"
    rf"(?P<date>{_DATE})"
    rf"|(?P<date_before>{_DATE})(?=\s{{1,3}}(?i:geboren))"
)
_BIRTH_HINT = re.compile(r"geb\.|geboren|geburt|dob|\*|birth")
# Seven or more digits in a row: customer, contract and device numbers without a label.
LONG_DIGITS = re.compile(r"(?<![\w.,])\d{7,}(?![\w])")
# Digits in groups with 11 or more digits in all: IMEIs ("35 693803 564380 9"), SIM and card
# numbers. Lists of frequencies (a unit after), postal codes (five digits each) and years
# are not; see _grouped().
GROUPED_DIGITS = re.compile(r"(?<![\w.,/])\d{1,8}(?:[ .-]\d{1,8}){1,7}(?![\w])")
# Numbers of the network itself (cell, tower, channel) that a carrier needs.
_NETWORK_LABEL_BEFORE = re.compile(
    r"(?:cell[\s-]?id|zell[\s-]?id|cid|eci|ecgi|earfcn|arfcn|nrarfcn|pci|tac|lac|enb|gnb"
    r"|funkzelle|zelle|mast(?:nummer|-nr\.?)?|standort(?:nummer)?)\s{0,3}[:=]?\s{0,3}$"
)
_YEARS = re.compile(r"(?:(?:19|20)\d\d[ .-]?)+")
_POSTCODES = re.compile(r"(?:\d{5}[ .-]?)+")


# ---------------------------------------------------------------------------------------


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _service(value: str) -> bool:
    return bool(_SERVICE_NUMBER.match(value))


def _unit_follows(lower: str, end: int) -> bool:
    return bool(_UNIT_AFTER.match(lower, end))


def _near(pattern: re.Pattern, text: str, hints: re.Pattern, lower: str, around: tuple):
    """pattern's matches in text, tried only within `around` (before, after) characters of
    the matches of hints in lower (a cheap pattern that every match of the costly one
    contains): the costly pattern then runs on a few windows instead of everywhere."""
    windows: list[list[int]] = []
    for hint in hints.finditer(lower):
        start = max(0, hint.start() - around[0])
        # A window ends at a space, so that no match is cut short at its edge.
        end = text.find(" ", min(len(text), hint.end() + around[1]))
        end = len(text) if end == -1 else end
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    for start, end in windows:
        yield from pattern.finditer(text, start, end)


def _email_spans(text: str, lower: str):
    for m in _near(EMAIL, lower, _AT_HINT, lower, (420, 200)):
        yield m.start(), m.end(), "email"
    if "@" in text:
        for m in EMAIL_SPACED.finditer(lower):
            yield m.start(), m.end(), "email"
    if _BEI_HINT.search(lower):
        for m in EMAIL_BEI.finditer(lower):
            yield m.start(), m.end(), "email"
    if "mail" in lower or any(provider in lower for provider in ("gmx", "web", "posteo")):
        for m in EMAIL_NAMED.finditer(lower):
            local = m.group("local").rstrip(".")
            if re.search(r"[._\d+]", local):
                yield m.start("local"), m.start("local") + len(local), "email"


def _link_spans(text: str, lower: str):
    for m in URL.finditer(lower):
        yield m.start(), m.end(), "link"
    for m in DOMAIN.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)":
            end -= 1  # punctuation after a link ends the sentence, not the link
        if lower[m.start() : end] in _COMPANY_DOMAINS:
            continue
        yield m.start(), end, "link"


def _iban_spans(text: str, lower: str):
    for m in IBAN.finditer(lower):
        if _digits(m.group()) >= 12:
            yield m.start(), m.end(), "iban"


def _phone_spans(text: str, lower: str):
    phone_text = _O_AS_ZERO.sub("0", text) if "o" in lower else text
    for m in PHONE.finditer(phone_text):
        value = m.group()
        count = _digits(value)
        if 7 <= count <= 16 and not _unit_follows(lower, m.end()) and not _service(value):
            yield m.start(), m.end(), "phone"
    for m in PHONE_SPACED.finditer(text):
        yield m.start(), m.end(), "phone"
    for m in PHONE_LABELLED.finditer(lower):
        value = m.group("value")
        count = _digits(value)
        grouped = m.group("colon") or not value.isdigit() or count == 6
        if 5 <= count <= 6 and grouped and not _unit_follows(lower, m.end()):
            yield m.start("value"), m.end("value"), "phone"
    split = ("dann", "vorwahl", "durchwahl", "danach", "rest")
    for m in PHONE_SPLIT.finditer(lower) if any(w in lower for w in split) else ():
        if 7 <= _digits(m.group()) <= 16 and not _unit_follows(lower, m.end()):
            yield m.start(), m.end(), "phone"
    for m in PHONE_WORDS.finditer(lower):
        value = m.group()
        words = len(re.findall(_DIGIT_WORDS, value))
        count = _digits(value) + words
        if words >= 2 and count >= 7 and not _unit_follows(lower, m.end()):
            yield m.start(), m.end(), "phone"


def _labelled_spans(text: str, lower: str):
    for m in LABELLED.finditer(lower):
        label = m.group("label")
        start, end = m.start("value"), m.end("value")
        while end > start and text[end - 1] in ".-/#":
            end -= 1
        value = text[start:end]
        if re.fullmatch(_LOGIN_COMPOUND, label):
            # "Passwort: Bello123", "PIN 1234"; not "Passwort vergessen".
            said = re.search(r"[:=]|ist|lautet", m.group("filler"))
            if not said and not _digits(value):
                continue
            yield start, end, "customer"
            continue
        digits = _digits(value)
        if not digits or not _digits(value.split()[0]) or _unit_follows(lower, end):
            continue
        if re.fullmatch(_WEAK_LABEL, label) and (
            digits < 4 or re.fullmatch(r"(?:19|20)\d\d", value)
        ):
            continue  # "Vertrag 2019", "Ticket 2": a year or a count
        if re.fullmatch(_WEAK_LABEL, label) and re.fullmatch(
            r"\d{1,2}[./]\d{1,2}[./]?\d{0,4}|\d{1,2}/\d{4}", value
        ):
            continue  # "Vertrag 02/2025 verlängert": a date
        if digits < 3 and not any(c.isalpha() for c in value):
            continue
        category = (
            "device"
            if re.match(r"imei|imsi|iccid|serien|s/n|sn|eid|geräte|sim", label)
            else "customer"
        )
        if re.match(r"ruf|telefon|handy|mobil|msisdn", label):
            category = "phone"
        yield start, end, category


def _plate_spans(text: str, lower: str):
    for m in PLATE.finditer(text):
        if m.group("district") in _NOT_PLATE_DISTRICTS or m.group("letters") in _NOT_PLATE_LETTERS:
            continue
        if _DEVICE_BEFORE.search(lower, max(0, m.start() - 20), m.start()):
            continue  # "Modem CBR CH7465": a model number
        if _unit_follows(lower, m.end()):
            continue
        yield m.start(), m.end(), "plate"


# "Adresse: Lindenhof 3", "wohne Rosenhöhe 12": after such a word, capitalised words and a
# number are an address even without a street word.
ADDRESS_LABELLED = re.compile(
    r"(?<!\w)(?i:adresse|anschrift|wohnhaft|wohne)\s{0,2}:?\s{1,3}"
    r"(?P<street>[A-ZÄÖÜ][\wäöüß.-]{1,40}(?:\s[A-ZÄÖÜ][\wäöüß.-]{1,40}){0,2})"
    r"\s(?P<number>[1-9]\d{0,3}[a-f]?)(?![\w,.]\d|\w)"
)


def _address_spans(text: str, lower: str):
    if any(word in lower for word in ("adresse", "anschrift", "wohn")):
        for m in ADDRESS_LABELLED.finditer(text):
            first = m.group("street").split()[0]
            if first in _NOT_PLACES_AFTER_AM or first in ("Etage", "Zimmer", "Wohnung", "Nr."):
                continue  # "wohne Etage 3"
            if not _unit_follows(lower, m.end()):
                yield m.start("street"), m.end(), "address"
    for m in _near(ADDRESS, text, _ADDRESS_HINT, lower, (140, 20)):
        words = m.group().split()
        if len(words) >= 2 and words[1] in _NOT_PLACES_AFTER_AM:
            continue
        if words[0] in _NOT_PLACES_AFTER_AM or words[0].rstrip(".") in _NOT_STREETS:
            continue
        if _unit_follows(lower, m.end()) or re.match(
            r"\s?\.\s?(?:og|stock|etage)", lower[m.end() :]
        ):
            continue
        yield m.start(), m.end(), "address"


_MONTH_BEFORE = re.compile(r"(?i:seit|ab|im|bis|anfang|ende|mitte|vom|zum|letzten|diesen)\s$")
_NOT_NAME_STARTS = _words("der die das ein eine kunde kundin hier auch seit egal unwichtig")
_NAME_CUES = (NAME_TITLED, NAME_GREETING)
_RELATION_WORDS = ("nachbar", "kolleg", "mitarbeiter", "techniker", "sachbearbeiter", "vermiet")


def _name_spans(text: str, lower: str):
    for m in NAME_SAID.finditer(lower):
        name = _NAME_STOP.sub("", text[m.start("name") : m.end("name")])
        name = re.sub(r",\s(?![A-ZÄÖÜ]).*", "", name)  # "Kowalczyk, Agnieszka", not "Anna, wohne"
        words = name.split()
        if not words or words[0].lower() in _NOT_NAME_STARTS:
            continue
        if m.group("cue").lower().startswith(("ich bin", "hier ist")):
            # "Ich bin der Meinung", "hier ist das Netz": only a known first name or two
            # capitalised words make these cues a name.
            known = words[0].split("-")[0] in _FIRST_NAMES
            if not known and not (len(words) >= 2 and all(w[0].isupper() for w in words)):
                continue
        yield m.start("name"), m.start("name") + len(name), "name"
    relation = any(word in lower for word in _RELATION_WORDS)
    for pattern in (NAME_TITLED, NAME_GREETING, NAME_RELATION) if relation else _NAME_CUES:
        for m in pattern.finditer(text):
            words = m.group("name").split()
            while words and (words[-1] in _NOT_NAMES or words[-1].islower()):
                words.pop()
            if not words or words[0] in _NOT_NAMES:
                continue
            name = " ".join(words)
            start = m.start("name")
            if text[start : start + len(name)] != name:
                name = m.group("name")
            yield start, start + len(name), "name"
    position = 0
    while m := NAME_PAIR.search(text, position):
        position = m.start("last")  # the surname may be the next pair's first name
        # "Heinz-Dieter": a double name counts when its first part is a known first name.
        first = m.group("first").split("-")[0]
        if first not in _FIRST_NAMES or m.group("last") in _NOT_NAMES:
            continue
        # (A few characters back only: searching the whole text before each match is
        # quadratic.)
        if first == "Jan" and _MONTH_BEFORE.search(text, max(0, m.start() - 20), m.start()):
            continue  # "seit Jan Ausfälle": the month
        after = (m.group("after") or "").strip()
        if after and (after in _NOT_NAMES or re.match(rf"(?i:{_SUFFIX})\b", after)):
            continue
        if re.search(rf"(?i:{_SUFFIX})$", m.group("last")):
            continue  # "Paul Lincke-Ufer": a place
        yield m.start(), m.end("last"), "name"
    for m in _FIRST_NAME_ALONE.finditer(lower):
        word = re.match(r"[A-ZÄÖÜ][\wäöüß-]{1,30}", text[m.end() :])
        if word and word.group() in _FIRST_NAMES:
            yield m.end(), m.end() + word.end(), "name"


def _ip_spans(text: str, lower: str):
    for m in IPV4.finditer(text):
        version = _VERSION_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if m.group() in _PUBLIC_RESOLVERS or version:
            continue
        yield m.start(), m.end(), "ip"
    for m in IPV6.finditer(lower):
        value = m.group()
        groups = [g for g in value.split(":") if g]
        # Times (18:30:45) have no "::", fewer groups and no hexadecimal letters.
        looks_like = "::" in value or len(groups) >= 5
        if looks_like and any(len(g) >= 3 or re.search(r"[a-f]", g, re.I) for g in groups):
            yield m.start(), m.end(), "ip"


def _handle_spans(text: str, lower: str):
    for pattern in (HANDLE, HANDLE_REDDIT):
        for m in pattern.finditer(text):
            yield m.start(), m.end(), "handle"
    for m in HANDLE_NAMED.finditer(lower):
        handle = text[m.start("handle") : m.end("handle")].rstrip(".-")
        looks_like = re.search(r"[_.\d#]", handle) or ":" in m.group("colon")
        if looks_like and handle not in _NOT_NAMES and handle.lower() not in ("und", "oder"):
            yield m.start("handle"), m.start("handle") + len(handle), "handle"


def _birth_spans(text: str, lower: str):
    for m in _near(BIRTH, lower, _BIRTH_HINT, lower, (40, 60)):
        group = "date" if m.group("date") else "date_before"
        yield m.start(group), m.end(group), "birth"


def _grouped(value: str) -> bool:
    if _digits(value) < 11:
        return False
    return not (_YEARS.fullmatch(value) or _POSTCODES.fullmatch(value))


def _number_spans(text: str, lower: str):
    for pattern, wanted in (
        (LONG_DIGITS, lambda v: not _YEARS.fullmatch(v)),
        (GROUPED_DIGITS, _grouped),
    ):
        for m in pattern.finditer(text):
            if not wanted(m.group()) or _unit_follows(lower, m.end()) or _service(m.group()):
                continue
            if _NETWORK_LABEL_BEFORE.search(lower, max(0, m.start() - 30), m.start()):
                continue  # "Cell ID 27354881": the carrier's own numbers
            yield m.start(), m.end(), "device"


# In order of priority: where two rules overlap, the first one's category is reported.
_FINDERS = (
    _email_spans,
    _link_spans,
    _iban_spans,
    _ip_spans,
    _labelled_spans,
    _birth_spans,
    _phone_spans,
    _number_spans,
    _handle_spans,
    _plate_spans,
    _address_spans,
    _name_spans,
)


# En and em dashes, minus signs and the like are hyphens to every rule ("0176\u20131234 5678");
# one character for one, so that positions stay those of the original text.
_DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58"
_DASHES = str.maketrans(dict.fromkeys(_DASH_CHARS, "-"))
_DASH = re.compile(f"[{_DASH_CHARS}]")


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


def find_personal_data(text: str, email: str = "") -> list[tuple[int, int, str]]:
    """The spans of text that redact() replaces, as (start, end, category), sorted and not
    overlapping."""
    if not text:
        return []
    normalized, positions = _normalized(text)
    if not normalized.isascii() and _DASH.search(normalized):
        normalized = normalized.translate(_DASHES)
    lower = normalized.lower()
    if len(lower) != len(normalized):
        # A letter whose lower case is longer (İ): keep it as it is, positions must match.
        lower = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in normalized)
    found = []
    for finder in _FINDERS:
        for start, end, category in finder(normalized, lower):
            if end > start:
                if positions is not None:
                    start, end = positions[start], positions[end - 1] + 1
                found.append((start, end, category))
    if email:
        found += _own_address_spans(text, email)
    return _merged(found)


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, category in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            last_start, last_end, last_category = merged[-1]
            merged[-1] = (last_start, max(last_end, end), last_category)
        else:
            merged.append((start, end, category))
    return merged


def redact(text: str, email: str = "") -> str:
    """The text with personal data replaced by REDACTED (see the module doc)."""
    if not text:
        return text
    spans = find_personal_data(text, email)
    return _replaced(text, spans, REDACTED) if spans else text


def _replaced(text: str, spans: list[tuple[int, int, str]], replacement: str) -> str:
    parts, position = [], 0
    for start, end, _ in spans:
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _own_address_spans(text: str, email: str) -> list[tuple[int, int, str]]:
    """The submitter's own address anywhere, and its local part (three characters or more)
    as a whole word, in any case. Plain string search: a pattern per submitter would be
    compiled anew for each of them (imports run this for every row)."""
    email = email.strip()
    spans = _occurrences(text, email, whole_words=False)
    local = email.partition("@")[0]
    if len(local) >= 3:
        spans += _occurrences(text, local, whole_words=True)
    return spans


def _occurrences(text: str, word: str, *, whole_words: bool) -> list[tuple[int, int, str]]:
    lower, needle = text.lower(), word.lower()
    if not needle or needle not in lower:
        return []
    if len(lower) != len(text):
        # Lower-casing changed the length (a rare letter such as İ): fall back to a pattern.
        pattern = rf"(?<!\w){re.escape(word)}(?!\w)" if whole_words else re.escape(word)
        return [(m.start(), m.end(), "email") for m in re.finditer(pattern, text, re.I)]
    spans, start = [], 0
    while (found := lower.find(needle, start)) != -1:
        end = found + len(needle)
        touching = whole_words and (
            (found > 0 and (text[found - 1].isalnum() or text[found - 1] == "_"))
            or (end < len(text) and (text[end].isalnum() or text[end] == "_"))
        )
        if not touching:
            spans.append((found, end, "email"))
        start = end
    return spans
