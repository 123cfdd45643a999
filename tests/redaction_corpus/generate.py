# ruff: noqa: RUF001  (look-alike characters are what the corpus tests)
"""Writes corpus.jsonl: German complaint texts, each labelled with its personal data.

Run once (`python tests/redaction_corpus/generate.py`); the JSON Lines file it writes is the
corpus, reviewed and committed as data. The seed is fixed, so running it again gives the
same file. Hand-written texts sit next to generated ones; heldout.jsonl is not made here: it
was written by hand after the rules, to check them on texts they were not tuned on.

Each line: {"id", "text", "pii": [{"text": exact substring, "category"}], "email"}; a text
without personal data has "pii": [].
"""

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
rng = random.Random(20261205)

# ---------------------------------------------------------------------------------------
# Clean material: what a carrier needs and what must stay untouched.

PROBLEMS = [
    "kein Netz",
    "nur Edge",
    "ständig Verbindungsabbrüche",
    "mobiles Internet praktisch tot",
    "Anrufe brechen nach 30 Sekunden ab",
    "SMS kommen mit 2 Stunden Verspätung",
    "LTE-Symbol da, aber nix lädt",
    "5G SA angezeigt, Speedtest bei 0,3 Mbit/s",
    "Gespräche hacken und brechen ab",
    "keine Datenverbindung",
    "nur 1 Balken, oft gar keiner",
    "Ping über 900 ms",
    "Netz weg, nur Notrufe möglich",
    "VoLTE fällt immer wieder aus",
    "Upload unter 0,1 Mbit/s",
    "nur 0,5 Mbit/s statt 50",
    "Empfang bricht im Gebäude komplett zusammen",
    "Seiten laden ewig, WhatsApp-Bilder gehen nicht raus",
]
TIMES = [
    "ab 18 Uhr",
    "zwischen 17 und 22 Uhr",
    "morgens zwischen 6:30 und 8:45",
    "abends ab 19:00",
    "fast jeden Abend",
    "am Wochenende",
    "seit dem 12.03.",
    "seit dem 3.11.",
    "seit Anfang März",
    "seit KW 45",
    "am 24.11.2011 ab 18:30 Uhr",
    "seit 2019",
    "seit 3 Wochen",
    "seit über 2 Monaten",
    "werktags 7-9 Uhr",
    "von 16:00 bis 23:30",
    "seit dem Update am 01.12.",
    "seit dem 14. Februar",
    "nachts um 2",
    "rund um die Uhr",
]
PLACES = [
    "in der S-Bahn S3 zwischen Ostkreuz und Warschauer Straße",
    "im Bus 142 Richtung Ostbahnhof",
    "in der U8 zwischen Hermannplatz und Boddinstraße",
    "auf der A9 zwischen km 312 und km 318",
    "auf der A7 bei Kilometer 145",
    "im ICE 578 zwischen Fulda und Kassel",
    "im RE 1 nach Magdeburg",
    "in der Hauptstraße",
    "Ecke Schönhauser Allee/Danziger Straße",
    "auf der Karl-Marx-Allee Höhe Strausberger Platz",
    "in der Bahnhofstraße vor dem Telekom-Shop",
    "am Ernst-Reuter-Platz",
    "am Rosa-Luxemburg-Platz",
    "in der Tram M10 am Nordbahnhof",
    "im Bus M41 am Hauptbahnhof",
    "am Funkmast beim Wasserturm",
    "in der Nähe vom Sender am Alexanderplatz",
    "in 10115 Berlin-Mitte",
    "im Gewerbegebiet Nord",
    "im Neubaugebiet am Lindenweg",
    "an der Haltestelle Heinrich-Heine-Straße",
    "in der Berliner Straße",
    "in der Kastanienallee",
    "auf dem Mehringdamm",
    "am Theodor-Heuss-Platz",
    "im Regionalzug RB 24 hinter Eberswalde",
    "in Hamburg-Altona rund um die Große Bergstraße",
    "im Tunnel der U2 am Gleisdreieck",
    "im Keller und im 4. OG",
    "am Hauptbahnhof Gleis 7",
    "im Park am Ernst Reuter Platz",
    "in der Frankfurter Allee zwischen Samariterstraße und Proskauer Straße",
    "auf der B96 Richtung Oranienburg",
    "in 80331 München, Marienplatz",
    "in der Sophie-Charlotte-Straße",
    "in Sankt Georg",
    "an der Paulsternstraße",
]
TECH = [
    "Band 20 / 800 MHz",
    "Band 3 auf 1800 MHz",
    "n78 mit 3,6 GHz",
    "LTE 800 und 1800",
    "5G NSA",
    "5G SA",
    "LTE+",
    "nur 3G/UMTS",
    "RSRP -118 dBm, SINR 2 dB",
    "-110 dBm laut Field Test",
    "3 Balken",
    "Bänder 1, 3, 7, 20 und 28",
    "700 800 1800 2100 2600 MHz",
]
DEVICES = [
    "iPhone 13",
    "Galaxy S21",
    "Pixel 7",
    "Xiaomi Redmi Note 12",
    "Fritzbox 6850 5G",
    "iPhone 15 Pro mit iOS 17.2.1",
    "Samsung A52",
    "Router B818",
]
EXTRAS = [
    "Ticket bei der Hotline aufgemacht, nichts passiert.",
    "Im Telekom-Shop sagt man, das liegt am Handy.",
    "Laut Hotline ein Einzelfall. Bei 20 Nachbarn genauso!",
    "Ich zahle 29,99 € im Monat für 20 GB.",
    "Vertrag seit 2019, so schlimm war es noch nie.",
    "Dafür zahle ich 39,99 Euro monatlich.",
    "Speedtest: 0,4 Mbit/s down, 0,1 up, Ping 850 ms.",
    "Die Störungskarte zeigt alles grün.",
    "Hotline: 45 Minuten Warteschleife, dann aufgelegt.",
    "Das Ticket ist seit 2 Wochen offen.",
    "Mit SIM-Karte im Zweitgerät genau dasselbe.",
    "Kunde seit 12 Jahren und kurz vorm Kündigen.",
    "Nachbarn mit anderem Anbieter haben vollen Empfang.",
    "WLAN-Call geht, Mobilfunk nicht.",
    "Das Datenvolumen von 1,5 GB ist trotzdem weg.",
    "Neustart, Flugmodus, neue SIM: nichts hilft.",
    "Gruß aus Hamburg.",
    "Viele Grüße aus Köln-Ehrenfeld!",
    "MfG",
    "LG und danke fürs Sammeln",
    "Die Frau am Telefon war nett, konnte aber nichts machen.",
    "Ein Herr von der Hotline meinte, das sei bekannt.",
    "Vertrag: 24 Monate Laufzeit, noch 7 übrig.",
    "3x bei der Hotline angerufen, 2 Tickets, keine Lösung.",
    "Ticketnummer hab ich leider nicht mehr.",
    "Die Rufnummernmitnahme lief im Oktober.",
    "Router-Neustart alle 2 Stunden nötig.",
    "Ausfälle um 06 / 12 / 18 / 22 Uhr.",
    "Postleitzahlen 22765 22767 22769 betroffen.",
    "Im Sommer 2023 ging es noch.",
]

CLEAN_HANDWRITTEN = [
    "Seit 2 Wochen kein Netz in der Wohnung.",
    "S-Bahn S3 zwischen Ostkreuz und Warschauer Straße: jedes Mal Funkloch, 5 Minuten lang.",
    "Bus 142, Haltestelle Ostbahnhof bis Stralauer Platz nur Edge!!!",
    "ab 18 uhr geht nix mehr, speedtest 0,5 mbit/s, ping 1200ms. lächerlich",
    "Band 20 / 800 MHz ist weg seit dem 12.03., nur noch Band 3 mit 1 Balken",
    "Wir sind 4 Personen im Haushalt, alle mit O2, alle betroffen. Hauptstraße, 2. Stock.",
    "A9 km 312 bis 330 komplett tot, auch für Telefonate. Seit Mai 2024.",
    "5G SA laut Anzeige, aber 3 von 5 Speedtests brechen ab.",
    "In 10115 Berlin-Mitte ist es abends am schlimmsten.",
    "PLZ 01067, Dresden Altstadt: kein LTE.",
    "Ich zahle 29,99 € im Monat für 50 Mbit/s und bekomme 0,5 Mbit/s.",
    "Zwischen 17 und 22 Uhr ist das Netz überlastet.",
    "In der U2 zwischen Alexanderplatz und Pankow nie Empfang.",
    "Mit dem iPhone 13 und dem Galaxy S21 dasselbe.",
    "Im 4. Stock geht nichts, im Erdgeschoss 1 Balken.",
    "Edge statt LTE, Version 2.3.1 der App hilft nicht.",
    "Störung gemeldet am 2011-11-24, nichts passiert.",
    "Am 01/12/2011 und am 05-12-2011 wieder nichts.",
    "Schon seit Jahren (2023 2024 2025) dasselbe.",
    "Ich bin at home and the network is down.",
    "Dropped calls every 5 minutes since 2023.",
    "Von 100 % Netzabdeckung kann keine Rede sein.",
    "Zweimal täglich, etwa 10-15 Minuten.",
    "Ticket bei der Hotline seit dem 3.11. offen, keiner ruft zurück",
    "Telekom-Shop am Alex sagt: Mast wird umgebaut, dauert bis KW 12.",
    "Tower 'Wasserturm Prenzlauer Berg' angeblich in Wartung.",
    "Zwischen Leipzig Hbf und Halle (Saale) im RE 30 ca. 20 min ohne Netz.",
    "kein netz in der tiefgarage vom Einkaufszentrum, ebene -2",
    "Messung mit Netmonster: PCI 312, EARFCN 6300, RSRQ -15",
    "Frequenzen 700/800/900 MHz alle schwach, 1800 gar nicht",
    "Die Hotline sagt seit Wochen 'in 48-72 Stunden behoben'.",
    "Auf der B 96 Höhe Abzweig Fürstenberg kein Signal, ca. 8 km.",
    "Zwischen Kilometer 12,5 und 14 auf der A 100 brechen Gespräche ab.",
    "Seit Umstellung auf 5G am 1.4. ist LTE schlechter geworden.",
    "Ernst Reuter Platz, Rosa Luxemburg Platz und Heinrich Heine Straße: überall dasselbe.",
    "Kaiser-Wilhelm-Gedächtniskirche bis Zoologischer Garten nur 2G.",
    "Im Marienfelder Gewerbegebiet, Buckower Chaussee, nie mehr als 1 Balken.",
    "Mein Vertrag läuft noch 14 Monate. 14 Monate Funkloch!",
    "Herr der Ringe gucken im Zug? Vergiss es, nicht mal Text lädt.",
    "Frau am Schalter im Shop meinte, ich soll das Handy neu starten.",
    "LG aus der Lausitz, wo es seit 2020 kein vernünftiges Netz gibt",
    "Viele Grüße an die Technik, die das hoffentlich liest.",
    "Mo-Fr 7:15 bis 8:00 im Pendelverkehr RE 2, Sa/So geht es.",
    "Mehr als 3-4 Minuten Gespräch sind nicht möglich.",
    "1 GB Datenvolumen in 10 Minuten verbraucht, weil alles dreimal neu lädt?!",
    "Funkzelle 26201-12345 laut App, keine Ahnung ob das hilft",
    "2 Balken LTE, 0 Durchsatz. 4 Wochen lang. 4!!",
    "Nach 22:30 Uhr geht es wieder, vorher Stau im Netz.",
    "Zwischen Hbf und Messe Nord/ICC in der S41/S42 Abbrüche.",
    "Vodafone-Shop Schloßstraße sagt, Störung ist bekannt seit 28.02.",
]

# ---------------------------------------------------------------------------------------
# Personal data.

FIRST = [
    "Anna",
    "Thomas",
    "Sabine",
    "Jürgen",
    "Petra",
    "Markus",
    "Katrin",
    "Stefan",
    "Lena",
    "Jan",
    "Mehmet",
    "Ayşe",
    "Olga",
    "Dmitri",
    "Katarzyna",
    "Lukas",
    "Mia",
    "Hannah",
    "Kevin",
    "Jessica",
    "Uwe",
    "Birgit",
    "Fatma",
    "Ali",
    "Nguyen",
    "Sven",
    "Heike",
    "Tobias",
    "Marie-Luise",
    "Hans-Peter",
    "Emre",
    "Leonie",
    "Finn",
    "Ingrid",
    "Klaus",
    "Natascha",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Yılmaz",
    "Kaya",
    "Nowak",
    "Kowalski",
    "Iwanow",
    "Krüger",
    "Lehmann",
    "Schröder",
    "Neumann",
    "Braun",
    "Zimmermann",
    "Hartmann",
    "Wolf",
    "Krause",
    "Öztürk",
    "Schulze-Bergmann",
    "von Bülow",
    "Demir",
    "Pohl",
    "Kaminski",
]
PROVIDERS = [
    "gmx.de",
    "web.de",
    "gmail.com",
    "t-online.de",
    "posteo.de",
    "outlook.com",
    "yahoo.de",
    "freenet.de",
    "icloud.com",
    "mailbox.org",
    "gmx.net",
    "hotmail.de",
]
MOBILE = [
    "0151",
    "0152",
    "0157",
    "0160",
    "0162",
    "0163",
    "0170",
    "0171",
    "0172",
    "0173",
    "0174",
    "0175",
    "0176",
    "0177",
    "0178",
    "0179",
    "01521",
    "01577",
]
LANDLINE = [
    "030",
    "040",
    "089",
    "0221",
    "069",
    "0711",
    "0341",
    "0351",
    "04331",
    "0385",
    "0231",
    "0911",
    "06221",
    "0345",
]
DIGIT_WORDS = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]


def digits(n):
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def local_part():
    first, last = rng.choice(FIRST), rng.choice(LAST)
    first = first.lower().replace("ß", "ss").replace("ü", "ue").replace("ö", "oe")
    last = last.lower().replace("ü", "ue").replace("ö", "oe").replace(" ", "").replace("ı", "i")
    return rng.choice(
        [
            f"{first}.{last}",
            f"{first}_{last}{rng.randint(60, 99)}",
            f"{first[0]}.{last}",
            f"{first}{rng.randint(1, 2024)}",
            f"{last}.{first}",
            f"{first}-{last}",
            f"netzfrust{rng.randint(1, 99)}",
            f"{first}{last[:3]}",
        ]
    ).replace("é", "e")


def email():
    lp, prov = local_part(), rng.choice(PROVIDERS)
    name, _, tld = prov.rpartition(".")
    forms = [
        f"{lp}@{prov}",
        f"{lp}@{prov}".upper(),
        f"{lp} (at) {name} (punkt) {tld}",
        f"{lp}(at){prov}",
        f"{lp}[at]{prov}",
        f"{lp} [at] {name} [dot] {tld}",
        f"{lp} at {name} dot {tld}",
        f"{lp}-at-{prov}",
        f"{lp} (ät) {prov}",
        f"{lp}{{at}}{prov}",
        f"{lp} bei {name} punkt {tld}",
        f"{lp} bei {prov}",
        f"{lp}＠{prov}",
        " ".join(f"{lp}@{prov}"),
        f"{lp} @ {prov}",
        f"{lp}@{name} . {tld}",
        f"{lp} AT {name} DOT {tld}",
        f"{lp}(a){prov}",
    ]
    return rng.choice(forms)


def phone():
    national = rng.choice(MOBILE if rng.random() < 0.65 else LANDLINE)
    sub = digits(rng.choice([6, 7, 7, 8, 8]))
    area = national[1:]
    a, b = sub[: len(sub) // 2], sub[len(sub) // 2 :]
    pairs = " ".join(sub[i : i + 2] for i in range(0, len(sub), 2))
    forms = [
        f"{national} {sub}",
        f"{national}/{sub}",
        f"{national}-{sub}",
        f"{national} / {a} {b}",
        f"({national}) {a} {b}",
        f"+49 {area} {sub}",
        f"+49 (0) {area} {sub}",
        f"+49(0){area}-{sub}",
        f"0049 {area} {a} {b}",
        f"+49-{area}-{a}-{b}",
        f"{national}.{a}.{b}",
        f"{national}  {a} {b}",
        f"{national} - {pairs}",
        f"{national}/{pairs}",
        f"+49{area}{sub}",
        f"{national}{sub}",
        " ".join(national + sub),
        "".join(chr(ord(c) + 0xFEE0) for c in national)
        + "－"
        + "".join(chr(ord(c) + 0xFEE0) for c in sub),
        f"+49 ({area}) {sub}",
        f"0049-{area}-{sub}",
        f"{national} {a}-{b}",
    ]
    if rng.random() < 0.18:
        words = [DIGIT_WORDS[int(c)] for c in national + sub]
        if rng.random() < 0.5:
            words = [("zwo" if w == "zwei" else w) for w in words]
        sep = rng.choice([" ", " ", ", ", "-"])
        text = sep.join(words)
        return text[0].upper() + text[1:] if rng.random() < 0.3 else text
    if rng.random() < 0.08:
        return national + " " + " ".join(DIGIT_WORDS[int(c)] for c in sub)
    return rng.choice(forms)


def iban_valid(country, bban):
    # ISO 13616 check digits, so that validating recognizers (Presidio's) get a fair test.
    rearranged = bban + country + "00"
    number = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(number) % 97
    return f"{country}{check:02d}{bban}"


def iban():
    kind = rng.random()
    if kind < 0.7:
        raw = iban_valid("DE", digits(18))
    elif kind < 0.8:
        raw = iban_valid("AT", digits(16))
    elif kind < 0.9:
        raw = iban_valid("NL", rng.choice(["ABNA", "INGB", "RABO"]) + digits(10))
    else:
        raw = iban_valid("CH", digits(17))
    fours = " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    threes = raw[:4] + " " + " ".join(raw[i : i + 3] for i in range(4, len(raw), 3))
    cut = sorted(rng.sample(range(5, len(raw) - 2), 3))
    irregular = " ".join(
        [raw[:4], raw[4 : cut[0]], raw[cut[0] : cut[1]], raw[cut[1] : cut[2]], raw[cut[2] :]]
    )
    forms = [
        fours,
        raw,
        raw.lower(),
        threes,
        irregular,
        raw[:2] + " " + raw[2:4] + " " + " ".join(raw[i : i + 4] for i in range(4, len(raw), 4)),
        fours.replace(" ", "  ", 2),
        fours.replace(" ", "."),
        fours.replace(" ", "-"),
        fours.lower(),
    ]
    return rng.choice(forms)


def customer():
    label = rng.choice(
        [
            "Kundennummer",
            "Kd.-Nr.",
            "Kd.Nr.",
            "KdNr",
            "Kunden-Nr.",
            "Kundennr",
            "Vertrag:",
            "Vertragsnummer",
            "Vertrags-Nr.",
            "Ticketnummer",
            "Ticket",
            "Ticket-Nr.",
            "Vorgangsnummer",
            "Vorgang",
            "Auftragsnummer",
            "Kundenkonto",
            "Störungsnummer",
            "Referenznummer",
            "Kunden-ID",
            "Kundennummer ist die",
            "meine Kundennr lautet",
            "Kd-Nr",
            "Vertragsnr.",
            "Bearbeitungsnummer",
            "Case-ID",
            "Kundenkennwort",
        ]
    )
    value = rng.choice(
        [
            digits(4),
            digits(5),
            digits(6),
            digits(8),
            digits(10),
            f"KD-{digits(6)}",
            f"A{digits(5)}",
            f"2024-{digits(4)}",
            f"#{digits(6)}",
            f"VG-2025-{digits(5)}",
            f"{digits(2)} {digits(2)} {digits(2)}",
            f"IN{digits(7)}",
            f"{digits(3)}.{digits(3)}",
        ]
    )
    if label in ("Ticketnummer", "Ticket") and not value.startswith("#") and rng.random() < 0.6:
        value = "#" + value
    if label == "Kundenkennwort":
        value = rng.choice(["Sommer2019", "Bello123", "hamster77"])
    sep = (
        rng.choice([" ", ": ", " ", ":", " = "])
        if not label.endswith(("die", "lautet", ":"))
        else " "
    )
    return label + sep, value


def plate():
    city = rng.choice(
        [
            "B",
            "HH",
            "M",
            "K",
            "S",
            "F",
            "HB",
            "DD",
            "L",
            "LOS",
            "OHV",
            "PM",
            "BAR",
            "H",
            "D",
            "E",
            "MZ",
            "KI",
            "ROS",
            "HRO",
        ]
    )
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.choice([1, 2, 2])))
    number = str(rng.randint(1, 9999))
    suffix = rng.choice(["", "", "", "", "E", "H"])
    form = rng.choice(
        [
            f"{city}-{letters} {number}{suffix}",
            f"{city} {letters} {number}{suffix}",
            f"{city}-{letters}-{number}{suffix}",
            f"{city}-{letters}{number}{suffix}",
            f"{city} {letters}{number}",
            f"{city}:{letters} {number}",
        ]
    )
    return form


STREETS = [
    "Hauptstraße",
    "Hauptstr.",
    "Bahnhofstr.",
    "Karl-Marx-Allee",
    "Schönhauser Allee",
    "Am Markt",
    "Lindenweg",
    "Berliner Str.",
    "Goethestraße",
    "Kastanienallee",
    "Rosenthaler Platz",
    "Unter den Linden",
    "An der Alster",
    "Im Winkel",
    "Hohe Str.",
    "Friedrichstraße",
    "Mühlenweg",
    "Sonnenallee",
    "Dorfstrasse",
    "Gartenstraße",
    "Am Kupfergraben",
    "Zum Sportplatz",
    "Paul-Lincke-Ufer",
    "Kurfürstendamm",
    "Ringstr",
    "Heinrich-Heine-Straße",
    "Auf dem Berg",
    "Mehringdamm",
    "Neue Straße",
    "Holzmarkt",
]


def address():
    street = rng.choice(STREETS)
    number = rng.choice(
        [
            str(rng.randint(1, 180)),
            f"{rng.randint(1, 99)}a",
            f"{rng.randint(1, 99)} b",
            f"{rng.randint(1, 40)}-{rng.randint(41, 60)}",
            str(rng.randint(1, 9)),
        ]
    )
    if rng.random() < 0.15:
        street = street.lower()
    return f"{street} {number}"


def name_phrase():
    first, last = rng.choice(FIRST), rng.choice(LAST)
    full = f"{first} {last}"
    forms = [
        ("Ich heiße ", full),
        ("ich heisse ", full.lower()),
        ("Mein Name ist ", full),
        ("mein name ist ", last),
        ("Herr ", last),
        ("Frau ", last),
        ("Frau Dr. ", last),
        ("Herrn ", last),
        ("Hr. ", last),
        ("MfG ", full),
        ("Gruß, ", first),
        ("Viele Grüße\n", full),
        ("LG ", first),
        ("Mit freundlichen Grüßen ", full),
        ("Hier schreibt ", full),
        ("Ich bin die ", full),
        ("Ich bin der ", first),
        ("", full),
        ("Meine Nachbarin ", full),
        ("Unterschrift: ", full),
        ("Hallo, ich bin ", first),
        ("Beste Grüße, ", full),
        ("Fr. ", last),
        ("Gez. ", f"{first[0]}. {last}"),
    ]
    return rng.choice(forms)


def ipv4():
    return ".".join(
        str(rng.randint(1, 223)) if i == 0 else str(rng.randint(0, 255)) for i in range(4)
    )


def ipv6():
    groups = [f"{rng.randint(0, 0xFFFF):x}" for _ in range(8)]
    forms = [
        "2a02:" + ":".join(groups[1:]),
        "2001:db8::" + groups[0],
        "fe80::" + ":".join(groups[:4]),
        ("2a01:" + ":".join(groups[1:])).upper(),
        "2003:e4:" + ":".join(groups[2:5]) + "::" + groups[7],
    ]
    return rng.choice(forms)


def handle():
    user = rng.choice(
        [
            "kalle_b",
            "netzfrust_hh",
            "HannaH89",
            "anna.sc",
            "der_echte_uwe",
            "jens.w.berlin",
            "mia_m",
            "FunklochFinder",
            "olga_k",
            "tobi.92",
        ]
    )
    forms = [
        ("Insta: ", f"@{user}"),
        ("auf Twitter ", f"@{user}"),
        ("TikTok ", f"@{user}"),
        ("Telegram: ", f"@{user}"),
        ("Snap: ", user),
        ("Instagram ", user),
        ("Discord ", f"{user}#{digits(4)}"),
        ("reddit ", f"u/{user}"),
        ("Mastodon ", f"@{user}@mastodon.social"),
        ("X: ", f"@{user}"),
        ("schreibt mir auf Insta ", user),
        ("", f"@{user}"),
    ]
    return rng.choice(forms)


def link():
    return rng.choice(
        [
            f"bit.ly/{rng.choice(['3xYzAb', '4kLmN0p', 'funkloch24'])}",
            f"t.me/{rng.choice(['kalleb', 'netzfrust'])}",
            "kalle-b.de",
            "meinblog.de/funkloch",
            f"youtu.be/{rng.choice(['dQw4w9WgXcQ', 'a1B2c3D4e5F'])}",
            "instagram.com/kalle.b",
            "tinyurl.com/y7abc9k",
            "goo.gl/maps/xyzAB12",
            "www.schulze-bergmann.de",
            "facebook.com/anna.schmidt.1985",
            "drive.google.com/file/d/1AbCdEf",
            "imgur.com/a/xYz12",
            "netzfrust-hamburg.wordpress.com",
            "linktr.ee/hannah89",
            "wa.me/4917612345678",
            "HTTPS://Example.org/profil/123",
        ]
    )


MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def birth():
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1940, 2006)
    date = rng.choice(
        [
            f"{d:02d}.{m:02d}.{y}",
            f"{d}.{m}.{y}",
            f"{d}.{m}.{str(y)[2:]}",
            f"{d}. {MONTHS[m - 1]} {y}",
            f"{y}-{m:02d}-{d:02d}",
            f"{d:02d}/{m:02d}/{y}",
        ]
    )
    before, after = rng.choice(
        [
            ("geb. ", ""),
            ("geboren am ", ""),
            ("Geburtsdatum: ", ""),
            ("Geb.-Datum ", ""),
            ("ich bin am ", " geboren"),
            ("*", ""),
            ("Geburtstag ", ""),
            ("DOB ", ""),
            ("(geb. ", ")"),
            ("Geburtsdatum ist der ", ""),
            ("bin ", " geboren"),
        ]
    )
    return before, date, after


def device():
    imei = digits(15)
    form = rng.choice(
        [
            ("IMEI ", f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14]}"),
            ("IMEI: ", f"{imei[:4]} {imei[4:8]} {imei[8:12]} {imei[12:]}"),
            ("IMEI-Nr. ", f"{imei[:2]}-{imei[2:8]}-{imei[8:14]}-{imei[14]}"),
            ("Gerät ", f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14]}"),
            ("IMEI ", imei),
            ("Seriennummer ", f"R58N{digits(3)}ABC"),
            ("SIM ", f"8949 0200 {digits(4)} {digits(4)} {digits(3)}"),
            ("ICCID ", "894902" + digits(14)),
            ("IMSI ", f"262 01 {digits(10)}"),
            ("imei ", f"{imei[:6]} {imei[6:8]} {imei[8:14]} {imei[14]}"),
            ("S/N: ", f"{digits(2)}AB{digits(6)}"),
        ]
    )
    return form


# ---------------------------------------------------------------------------------------


def lead():
    # A clean complaint sentence to carry the personal data, as real texts do.
    return rng.choice(
        [
            f"{rng.choice(PROBLEMS).capitalize()} {rng.choice(PLACES)}, {rng.choice(TIMES)}.",
            f"{rng.choice(TIMES).capitalize()} {rng.choice(PROBLEMS)}.",
            f"{rng.choice(PROBLEMS).capitalize()} mit {rng.choice(TECH)}.",
            rng.choice(EXTRAS),
            "",
        ]
    )


def personal_text(category):
    head = lead()
    if category == "email":
        value = email()
        body = rng.choice(
            [
                "Bitte meldet euch unter {}",
                "Meine Mail: {}",
                "Antwort gern an {} !!!",
                "erreichbar per mail {} (abends)",
                "Kontakt {}",
                "schreibt an {}, danke",
                "{} falls ihr Rückfragen habt",
                "Mail an {} kommt an, Netz nicht lol",
            ]
        )
    elif category == "phone":
        value = phone()
        body = rng.choice(
            [
                "Erreichbar unter {}",
                "Ruft mich zurück: {}",
                "meine nummer {} (auch whatsapp)",
                "Bitte unter {} anrufen, ab 18 Uhr",
                "SMS an {} kommen nicht an",
                "Handy {} hat kein Netz",
                "Tel. {}",
                "Rückruf bitte: {}.",
                "{} ist meine Nummer",
                "Anrufe auf {} landen sofort auf der Mailbox",
                "Festnetz geht, Handy ({}) nicht",
            ]
        )
    elif category == "iban":
        value = iban()
        body = rng.choice(
            [
                "Gutschrift bitte auf {}",
                "IBAN {} für die Erstattung",
                "Meine IBAN: {}.",
                "Bankverbindung {} (Sparkasse)",
                "Erstattung an {} wäre das Mindeste",
            ]
        )
    elif category == "customer":
        label, value = customer()
        body = rng.choice(
            [
                "{}",
                "{}, bitte prüfen",
                "Habe Ticket aufgemacht ({})",
                "{} – seit Wochen keine Antwort",
            ]
        )
        body = body.format(label + "{}")
    elif category == "plate":
        value = plate()
        body = rng.choice(
            [
                "Im Auto ({}) auf der A9 bei km 312 kein Netz",
                "Kennzeichen {}, Navi lädt nicht",
                "Mein Wagen {} steht in der Tiefgarage, da geht gar nichts",
                "auf dem Parkplatz neben meinem {} kein Empfang",
            ]
        )
    elif category == "address":
        value = address()
        body = rng.choice(
            [
                "Ich wohne in der {}",
                "Adresse: {}, 10115 Berlin",
                "Bei mir zuhause ({}) kein Empfang",
                "{} im Hinterhaus, 3. OG",
                "wohne {} und hab seit Wochen nur Edge",
                "Kommt gern vorbei, {}",
                "in der {} geht gar nichts",
            ]
        )
    elif category == "name":
        cue, value = name_phrase()
        if cue == "":
            body = "{} aus dem 3. Stock hat dasselbe Problem"
        elif cue.startswith(("Herr", "Frau", "Hr.", "Fr.")):
            body = rng.choice(
                [
                    "Laut " + cue + "{} von der Hotline ist das bekannt",
                    cue + "{} im Shop hat mir ein neues Ticket versprochen",
                    "Habe mit " + cue + "{} telefoniert, Ergebnis: nichts",
                ]
            )
        elif cue.startswith(("MfG", "Gruß", "Viele", "LG", "Mit", "Beste", "Unterschrift", "Gez.")):
            body = "Bitte kümmert euch. " + cue + "{}"
        else:
            body = (
                cue
                + "{}"
                + rng.choice(
                    [" und wohne hier seit 2015.", ", Kunde seit 12 Jahren.", ".", " und bin sauer"]
                )
            )
    elif category == "ip":
        value = ipv4() if rng.random() < 0.55 else ipv6()
        body = rng.choice(
            [
                "Meine IP war {}",
                "laut Router hat die SIM die Adresse {}",
                "IP: {} (falls das hilft)",
                "traceroute bricht nach {} ab",
                "öffentliche IP {} um 18:30",
            ]
        )
    elif category == "handle":
        cue, value = handle()
        body = cue + "{}" + rng.choice(["", " für Screenshots", ", da poste ich die Speedtests"])
    elif category == "link":
        value = link()
        body = rng.choice(
            [
                "Video vom Speedtest: {}",
                "Screenshots unter {}",
                "siehe {}",
                "alles dokumentiert auf {}",
                "{} – da sieht man die Abbrüche",
            ]
        )
    elif category == "birth":
        before, value, after = birth()
        body = (
            "Ich, " + before + "{}" + after + ", bin langjährige Kundin"
            if rng.random() < 0.3
            else before + "{}" + after
        )
    elif category == "device":
        cue, value = device()
        body = (
            cue
            + "{}"
            + rng.choice(["", " (Galaxy S21)", ", Netz weg seit Update", " hat das Problem"])
        )
    text = body.format(value)
    if head and rng.random() < 0.8:
        text = f"{head} {text}" if rng.random() < 0.6 else f"{text}. {head}"
    return text, [{"text": value, "category": category}]


def clean_text():
    parts = rng.sample(
        [
            f"{rng.choice(PROBLEMS).capitalize()} {rng.choice(PLACES)}.",
            f"{rng.choice(TIMES).capitalize()} {rng.choice(PROBLEMS)}.",
            f"{rng.choice(TECH)}, {rng.choice(PROBLEMS)}.",
            f"Mit dem {rng.choice(DEVICES)} dasselbe.",
            rng.choice(EXTRAS),
            f"{rng.choice(PLACES).capitalize()} {rng.choice(TIMES)}.",
        ],
        k=rng.choice([2, 3, 3, 4]),
    )
    text = " ".join(parts)
    if rng.random() < 0.15:
        text = text.lower()
    return text


CATEGORIES = [
    "email",
    "phone",
    "iban",
    "customer",
    "plate",
    "address",
    "name",
    "ip",
    "handle",
    "link",
    "birth",
    "device",
]
WEIGHTS = {
    "email": 20,
    "phone": 26,
    "iban": 12,
    "customer": 18,
    "plate": 10,
    "address": 14,
    "name": 24,
    "ip": 10,
    "handle": 10,
    "link": 10,
    "birth": 10,
    "device": 10,
}


def main():
    rows = []
    for category in CATEGORIES:
        for _ in range(WEIGHTS[category]):
            text, pii = personal_text(category)
            rows.append({"text": text, "pii": pii})
    # Texts with several kinds of personal data at once.
    for _ in range(14):
        a, b = rng.sample(CATEGORIES, 2)
        text_a, pii_a = personal_text(a)
        text_b, pii_b = personal_text(b)
        rows.append({"text": f"{text_a}\n{text_b}", "pii": pii_a + pii_b})
    # The submitter's own address, given on the form and repeated in the text.
    for _ in range(6):
        lp, prov = local_part(), rng.choice(PROVIDERS)
        text = rng.choice([f"{lp} hier, seit 2 Wochen kein Netz.", f"Gruß {lp}"])
        rows.append(
            {"text": text, "pii": [{"text": lp, "category": "email"}], "email": f"{lp}@{prov}"}
        )
    clean = list(CLEAN_HANDWRITTEN)
    seen = set(clean)
    while len(clean) < 175:
        text = clean_text()
        if text not in seen:
            seen.add(text)
            clean.append(text)
    rows += [{"text": text, "pii": []} for text in clean]
    with open(HERE / "corpus.jsonl", "w", encoding="utf-8") as out:
        for number, row in enumerate(rows, 1):
            for span in row["pii"]:
                assert span["text"] in row["text"], (span, row["text"])
            line = {
                "id": f"c{number:03d}",
                "text": row["text"],
                "pii": row["pii"],
                "email": row.get("email", ""),
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    print(len(rows), "texts,", sum(1 for r in rows if r["pii"]), "with personal data")


if __name__ == "__main__":
    main()
