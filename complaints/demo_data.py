"""Realistic ingredients for demo complaints (used by manage.py seed_demo).

Populations are rounded official figures; districts are real Stadtteile/Bezirke. Some
spellings are deliberately messy, as real submitters type them, so that place
normalization has something to do.
"""

import datetime

from django.utils import timezone

from complaints.models import CampaignUpdate, Place, PlaceStatus

# city, population, districts (empty: the form's district is usually left blank there)
CITIES = [
    (
        "Berlin",
        3_755_000,
        [
            "Mitte",
            "Kreuzberg",
            "Friedrichshain",
            "Prenzlauer Berg",
            "Neukölln",
            "Charlottenburg",
            "Wedding",
            "Moabit",
            "Schöneberg",
            "Tempelhof",
            "Spandau",
            "Pankow",
            "Lichtenberg",
            "Marzahn",
            "Steglitz",
            "Zehlendorf",
            "Köpenick",
            "Treptow",
            "Reinickendorf",
            "Wilmersdorf",
        ],
    ),
    (
        "Hamburg",
        1_892_000,
        [
            "Altona",
            "Eimsbüttel",
            "St. Pauli",
            "Ottensen",
            "Barmbek",
            "Winterhude",
            "Eppendorf",
            "Harburg",
            "Wandsbek",
            "Bergedorf",
            "Blankenese",
            "Wilhelmsburg",
            "Sternschanze",
            "HafenCity",
            "Rahlstedt",
            "Billstedt",
        ],
    ),
    (
        "München",
        1_512_000,
        [
            "Schwabing",
            "Maxvorstadt",
            "Sendling",
            "Pasing",
            "Giesing",
            "Haidhausen",
            "Bogenhausen",
            "Neuhausen",
            "Laim",
            "Moosach",
            "Trudering",
            "Ludwigsvorstadt",
            "Au",
        ],
    ),
    (
        "Köln",
        1_084_000,
        [
            "Ehrenfeld",
            "Nippes",
            "Deutz",
            "Kalk",
            "Lindenthal",
            "Sülz",
            "Porz",
            "Mülheim",
            "Chorweiler",
            "Rodenkirchen",
            "Altstadt-Nord",
            "Altstadt-Süd",
        ],
    ),
    (
        "Frankfurt am Main",
        773_000,
        [
            "Sachsenhausen",
            "Bornheim",
            "Nordend",
            "Bockenheim",
            "Gallus",
            "Höchst",
            "Westend",
            "Ostend",
            "Rödelheim",
        ],
    ),
    (
        "Stuttgart",
        633_000,
        ["Bad Cannstatt", "Vaihingen", "Degerloch", "Feuerbach", "Zuffenhausen"],
    ),
    (
        "Düsseldorf",
        629_000,
        ["Bilk", "Oberkassel", "Pempelfort", "Flingern", "Benrath", "Gerresheim"],
    ),
    ("Leipzig", 616_000, ["Connewitz", "Plagwitz", "Gohlis", "Lindenau", "Reudnitz", "Grünau"]),
    ("Dortmund", 595_000, ["Hörde", "Aplerbeck", "Innenstadt-Nord", "Hombruch", "Eving"]),
    ("Essen", 584_000, ["Rüttenscheid", "Altenessen", "Steele", "Werden", "Kettwig"]),
    ("Bremen", 569_000, ["Vegesack", "Findorff", "Schwachhausen", "Neustadt", "Walle"]),
    ("Dresden", 564_000, ["Neustadt", "Pieschen", "Blasewitz", "Striesen", "Plauen"]),
    ("Hannover", 548_000, ["Linden", "List", "Südstadt", "Döhren", "Vahrenwald"]),
    ("Nürnberg", 526_000, ["Gostenhof", "St. Johannis", "Langwasser", "Südstadt"]),
    ("Duisburg", 503_000, ["Marxloh", "Hamborn", "Rheinhausen", "Meiderich"]),
    ("Bochum", 365_000, ["Wattenscheid", "Langendreer", "Ehrenfeld"]),
    ("Wuppertal", 358_000, ["Elberfeld", "Barmen", "Vohwinkel"]),
    ("Bielefeld", 336_000, ["Brackwede", "Sennestadt", "Schildesche"]),
    ("Bonn", 336_000, ["Bad Godesberg", "Beuel", "Duisdorf"]),
    ("Münster", 320_000, ["Hiltrup", "Gievenbeck", "Kinderhaus"]),
    ("Mannheim", 316_000, ["Neckarstadt", "Lindenhof", "Käfertal"]),
    ("Karlsruhe", 309_000, ["Durlach", "Oststadt", "Mühlburg"]),
    ("Augsburg", 301_000, ["Lechhausen", "Haunstetten", "Pfersee"]),
    ("Wiesbaden", 283_000, ["Biebrich", "Dotzheim"]),
    ("Mönchengladbach", 268_000, ["Rheydt", "Giesenkirchen"]),
    ("Gelsenkirchen", 263_000, ["Buer", "Horst"]),
    ("Aachen", 252_000, ["Burtscheid", "Brand"]),
    ("Braunschweig", 251_000, ["Weststadt", "Östliches Ringgebiet"]),
    ("Kiel", 248_000, ["Gaarden", "Holtenau"]),
    ("Chemnitz", 248_000, ["Kaßberg", "Sonnenberg"]),
    ("Halle (Saale)", 242_000, ["Neustadt", "Giebichenstein"]),
    ("Magdeburg", 240_000, ["Stadtfeld", "Sudenburg"]),
    ("Freiburg im Breisgau", 237_000, ["Wiehre", "Stühlinger", "Vauban"]),
    ("Krefeld", 229_000, ["Uerdingen"]),
    ("Mainz", 220_000, ["Gonsenheim", "Neustadt"]),
    ("Lübeck", 219_000, ["Travemünde", "St. Lorenz"]),
    ("Erfurt", 216_000, ["Altstadt"]),
    ("Rostock", 210_000, ["Warnemünde", "Lütten Klein"]),
    ("Kassel", 202_000, ["Wilhelmshöhe"]),
    ("Potsdam", 185_000, ["Babelsberg", "Bornstedt"]),
    ("Saarbrücken", 181_000, []),
    ("Oldenburg", 172_000, []),
    ("Osnabrück", 166_000, []),
    ("Heidelberg", 160_000, ["Neuenheim", "Handschuhsheim"]),
    ("Regensburg", 155_000, []),
    ("Ingolstadt", 142_000, []),
    ("Würzburg", 128_000, []),
    ("Ulm", 128_000, []),
    ("Göttingen", 118_000, []),
    ("Jena", 111_000, []),
    ("Trier", 111_000, []),
    ("Cottbus", 98_000, []),
    ("Greifswald", 59_000, []),
    ("Passau", 53_000, []),
    ("Garmisch-Partenkirchen", 27_000, []),
    ("Sylt", 18_000, []),
    ("Uckerland", 2_500, []),
]

# Spellings real people type for a city, with the share of submissions that use them.
MESSY_SPELLINGS = {
    "Hamburg": ["hamburg", "HAMBURG", "Hamburg ", "HH"],
    "München": ["Muenchen", "münchen", "Munich"],
    "Köln": ["Koeln", "köln", "Cologne"],
    "Frankfurt am Main": ["Frankfurt", "Frankfurt a.M.", "Frankfurt/Main", "FFM"],
    "Berlin": ["berlin", "BERLIN", "Berlin "],
    "Freiburg im Breisgau": ["Freiburg"],
    "Halle (Saale)": ["Halle", "Halle/Saale"],
    "Düsseldorf": ["Duesseldorf", "düsseldorf"],
}
MESSY_SHARE = 0.12

# Typos no matcher should guess: they wait in the admin's queue of unmatched place names.
TYPOS = ["Bärlin", "Hamburh", "Münchn", "Kölnn", "Dortmud", "Lepzig"]
TYPO_SHARE = 0.01

# Reports made in a dead spot and sent when the connection was back (the offline form), at
# most a few days later (the intake accepts up to OFFLINE_REPORT_MAX_DAYS).
OFFLINE_SHARE = 0.06
OFFLINE_MAX_DELAY_DAYS = 3

# problem slug -> relative weight (data problems dominated the 2011 campaign)
PROBLEM_WEIGHTS = {
    "no-data": 30,
    "slow-data": 34,
    "dropped-calls": 18,
    "no-signal": 12,
    "calls-fail": 8,
    "sms": 5,
    "other": 3,
}

TECHNOLOGY_WEIGHTS = {"2g": 4, "3g": 8, "4g": 45, "5g": 20, "unknown": 23}
FREQUENCY_WEIGHTS = {"always": 20, "daily": 45, "weekly": 25, "rarely": 10}
LOCATION_WEIGHTS = {"": 30, "indoor": 30, "outdoor": 10, "both": 20, "moving": 10}
STATUS_WEIGHTS = {"published": 70, "pending": 18, "rejected": 8, "spam": 4}

DESCRIPTIONS = [
    "",
    "",
    "",
    "Seit Wochen bricht abends die Datenverbindung ständig ab.",
    "Zuhause kein Empfang, nur am Fenster ein Balken.",
    "Im Büro ist mobiles Internet praktisch unbenutzbar, Seiten laden nicht.",
    "Telefonate brechen nach wenigen Minuten ab, besonders in der Bahn.",
    "Das Netz zeigt 5G an, aber es kommen keine Daten durch.",
    "Hotline sagt, es sei ein Einzelfall. Meine Nachbarn haben das gleiche Problem.",
    "Zwischen 18 und 22 Uhr ist das Internet extrem langsam.",
    "SMS kommen teilweise erst Stunden später an.",
    "Anrufe gehen direkt auf die Mailbox, obwohl ich Empfang habe.",
    "In der U-Bahn überhaupt keine Verbindung mehr.",
    "Seit dem Netzumbau kaum noch LTE, nur noch EDGE.",
    "Video-Calls frieren ständig ein, Speedtest unter 1 Mbit/s.",
    "Dropped calls every evening, the hotline keeps telling me it is an isolated case.",
    "Mobile data stops working several times a day.",
]

FOLLOWUP_WEIGHTS = {"improved": 30, "unchanged": 50, "worse": 20}


def seed_campaign() -> None:
    """Two campaign updates and two place statuses, so that the demo shows them (only when
    there are none: the organizer's own are never touched)."""
    now = timezone.now()
    if not CampaignUpdate.objects.exists():
        CampaignUpdate.objects.create(
            title="Erste Auswertung veröffentlicht",
            body="Nach drei Wochen: **Tausende Meldungen** aus ganz Deutschland, die meisten aus "
            "Hamburg und Berlin. Die Auswertung pro Stadt steht unter Auswertung.",
            title_en="First evaluation published",
            body_en="After three weeks: **thousands of reports** from all over Germany, most of "
            "them from Hamburg and Berlin. The evaluation per city is under Evaluation.",
            is_published=True,
            published_at=now - datetime.timedelta(days=20),
        )
        CampaignUpdate.objects.create(
            title="Der Netzbetreiber bestätigt Kapazitätsprobleme in Hamburg",
            kind=CampaignUpdate.Kind.CARRIER_RESPONSE,
            body="Der Netzbetreiber hat geantwortet:\n\n- Kapazitätsprobleme in Hamburg-Altona "
            "bestätigt\n- zusätzliche Sender sind geplant\n\nWir bleiben dran.",
            title_en="The carrier confirms capacity problems in Hamburg",
            body_en="The carrier has answered:\n\n- capacity problems in Hamburg-Altona "
            "confirmed\n- additional cell sites are planned\n\nWe will keep at it.",
            is_published=True,
            published_at=now - datetime.timedelta(days=10),
        )
    if not PlaceStatus.objects.exists():
        altona = Place.objects.filter(
            kind=Place.Kind.DISTRICT, name="Altona", parent__name="Hamburg"
        ).first()
        berlin = Place.objects.filter(kind=Place.Kind.CITY, name="Berlin").first()
        for place, status, days in (
            (altona, PlaceStatus.Kind.EXPANSION_PLANNED, 10),
            (berlin, PlaceStatus.Kind.ACKNOWLEDGED, 14),
        ):
            if place is not None:
                PlaceStatus.objects.create(
                    place=place, status=status, date=(now - datetime.timedelta(days=days)).date()
                )
