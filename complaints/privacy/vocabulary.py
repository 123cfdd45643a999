"""Word lists of the redaction rules (pure data): providers, domains, units, names, and the
words that look like personal data without being any."""

from pathlib import Path


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Mail providers: "name bei gmx punkt de" is an address only with a provider's name, since
# "bei" is one of the commonest German words.
PROVIDERS = (
    r"(?:gmx|web|gmail|googlemail|t-online|yahoo|outlook|hotmail|live|posteo|mailbox|freenet"
    r"|arcor|icloud|me|aol|proton|protonmail|online|email|mail|vodafone|o2online|kabelmail)"
)
# Top-level domains a bare domain may end in. Lower case (or all upper case) only: "Netz.Es"
# is a sentence without its space, not a domain.
TLDS = (
    "de|com|net|org|eu|info|io|ly|me|be|gl|co|at|ch|tv|app|social|ee|gd|uk|fr|nl|pl|ru"
    "|tr|berlin|hamburg|koeln|bayern|online|site|blog|page|link|xyz|biz|cc|to|gg|sh"
)
# Carriers' and public services' own domains, without a path: "Netz Telekom.de" is the
# network's name on the phone, "breitbandmessung.de" the official speed test.
COMPANY_DOMAINS = _words(
    "telekom.de t-mobile.de vodafone.de o2.de o2online.de telefonica.de 1und1.de congstar.de"
    " aldi-talk.de freenet.de fraenk.de blau.de bundesnetzagentur.de breitbandmessung.de"
    " speedtest.net fast.com netflix.com youtube.com google.com whatsapp.com"
)
# A number followed by one of these is a measure, a duration or a count, not personal data.
UNITS = (
    r"(?:uhr|h\b|min|minuten|sek|sekunden|stunden|std|tage?n?|wochen?|monate?n?|jahre?n?|mal\b"
    r"|x\b|mbit|kbit|gbit|mb\b|gb\b|kb\b|mhz|ghz|khz|db\b|dbm|km\b|m\b|meter|kilometer|%"
    r"|prozent|€|euro|eur\b|cent|balken|leute|personen|nachbarn|mbps|ms\b|grad|°)"
)
DIGIT_WORDS = r"(?:null|eins|ein|zwei|zwo|drei|vier|fünf|fuenf|sechs|sieben|acht|neun)"
MONTHS = (
    r"(?:januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november"
    r"|dezember|jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez)"
)
# Everybody's name servers.
PUBLIC_RESOLVERS = _words("8.8.8.8 8.8.4.4 1.1.1.1 1.0.0.1 9.9.9.9 149.112.112.112")

# Licence plates: network and transport words of the same shape ("DB RE 7", "LTE B 20"), and
# car and router models ("VW ID 3", "ZTE MF 289").
NOT_PLATE_DISTRICTS = _words(
    "LTE GSM SA NSA DB RE RB IC ICE EC IRE UMTS NR SMS MMS APN PIN PUK SIM USB TV PC GB MB"
    " KW OG EG DG UG OK KM SG VG LG MFG GPS BVG HVV MVG VBB ABC DSL VDSL ZDF ARD VW BMW ZTE"
    " HTC AVM KIA TP"
)
NOT_PLATE_LETTERS = _words("RE RB IC EC SA NR OG EG UG DG GB MB ID MF")

# Streets: the endings of a street's name, and adjectives that start one ("Kleine Rosenstr.",
# "Alte Schönhauser Str.").
STREET_SUFFIXES = (
    r"(?:straße|strasse|str\.?|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad"
    r"|markt|graben|zeile|promenade|stieg|twiete|wall|anger|kamp)"
)
STREET_ADJECTIVES = (
    r"(?:Kleine|Große|Grosse|Alte|Neue|Hohe|Lange|Obere|Untere|Breite|Schmale|Krumme|Hintere"
    r"|Vordere|Innere|Äußere|Westliche|Östliche|Nördliche|Südliche|Kurze|Stille|Schöne)"
)
# Compounds ending like a street that number seats, pitches and platforms, not houses.
NOT_STREETS = _words(
    "Sitzplatz Stellplatz Parkplatz Arbeitsplatz Spielplatz Campingplatz Bahnsteig Flugsteig"
    " Stadtring Autobahnring Ring Platz Weg Berg Markt Wall Damm Steig"
)
NOT_PLACES_AFTER_AM = _words(
    "Bus Zug Tram ICE IC RE RB Regionalzug Auto Wagen Stock OG Jahr Monat Sommer Winter"
    " Schnitt Durchschnitt Moment Wochenende Keller Tunnel Büro Gebäude Netz Abend Morgen"
    " Tag Wochenanfang Anfang Ende Handy Telefon Schnitt Haus Bahnhof Hauptbahnhof Gleis"
    " Schalter"
)

# Names: the first-name list, and capitalised words that follow a cue or a first name without
# being a name ("Gruß aus", "MfG Ihr Kunde", "Paul Lincke Ufer").
FIRST_NAMES = frozenset(
    line.strip()
    for line in (Path(__file__).resolve().parent / "data" / "first_names.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip() and not line.startswith("#")
)
NOT_NAMES = _words(
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
# Lower-case words after "ich heiße" or "ich bin der" that start no name.
NOT_NAME_STARTS = _words("der die das ein eine kunde kundin hier auch seit egal unwichtig")
# Words before which a name may follow a relation ("Nachbarin Schulz").
RELATION_WORDS = ("nachbar", "kolleg", "mitarbeiter", "techniker", "sachbearbeiter", "vermiet")
