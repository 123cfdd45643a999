"""The privacy page's default text: following a place and the newsletter (issue 21), reports
kept on the phone until they are sent and "use my location" (issue 22).

Only a page whose text is still the default of 0014 is replaced; an organizer's own text stays.
"""

import importlib

from django.db import migrations

previous = importlib.import_module("complaints.migrations.0014_privacy_text_followup")

CHANGES = [
    (
        "und später Ihre Antwort darauf mit Ihrem freiwilligen Kommentar.</p>",
        "und später Ihre Antwort darauf mit Ihrem freiwilligen Kommentar.</p>\n"
        "<p>Eine Meldung, die Sie ohne Netz absenden, bleibt bis zum Senden nur auf Ihrem\n"
        "Telefon (im Speicher des Browsers) und kommt dann mit dem Zeitpunkt an, zu dem Sie sie\n"
        "gemacht haben; dazu speichern wir eine zufällige Kennung, damit sie nicht doppelt\n"
        "gezählt wird. Wenn Sie „Meinen Standort verwenden“ wählen, rundet Ihr Telefon die\n"
        "Position auf etwa einen Kilometer; wir suchen damit nur den nächsten Ort und speichern\n"
        "oder protokollieren die Position nicht.</p>\n"
        "<p>Wenn Sie einem Ort folgen oder den Newsletter der Kampagne bestellen, speichern wir\n"
        "Ihre E-Mail-Adresse, den Ort (und Stadtteil), die Sprache, die Zeitpunkte Ihrer\n"
        "Einwilligung und Bestätigung und wann wir Ihnen zuletzt geschrieben haben.</p>",
    ),
    (
        "Meldungen nur als Zahlen veröffentlicht, mit denselben Regeln für kleine Zahlen.</p>",
        "Meldungen nur als Zahlen veröffentlicht, mit denselben Regeln für kleine Zahlen.\n"
        "Wer einem Ort folgt, bekommt höchstens wöchentlich eine Zusammenfassung der\n"
        "veröffentlichten Zahlen, der Antworten des Netzbetreibers und der Neuigkeiten zu diesem\n"
        "Ort, den Newsletter nur, wenn er ihn bestellt hat; jede Mail lässt sich mit einem Klick\n"
        "abbestellen.</p>",
    ),
    (
        "der Prüfwert der IP-Adresse nach sieben Tagen.",
        "der Prüfwert der IP-Adresse nach sieben Tagen. Wenn Sie einem Ort nicht mehr folgen,\n"
        "löschen wir Ihre Adresse sofort, eine nicht bestätigte Anmeldung nach sieben Tagen.",
    ),
]


def privacy_text() -> str:
    text = previous.privacy_text()
    for old, new in CHANGES:
        if old not in text:  # the default of 0014 is fixed: a mismatch is a bug here
            raise ValueError(old)
        text = text.replace(old, new)
    return text


def update(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    FlatPage.objects.filter(url="/privacy/", content=previous.privacy_text()).update(
        content=privacy_text()
    )


def restore(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    FlatPage.objects.filter(url="/privacy/", content=privacy_text()).update(
        content=previous.privacy_text()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0026_problem_ids"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(update, restore)]
