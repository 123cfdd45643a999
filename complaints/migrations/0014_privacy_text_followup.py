"""The privacy page's default text: the follow-up question, its answer and comment.

Only a page whose text is still the default of 0010 is replaced; an organizer's own text stays.
"""

import importlib

from django.db import migrations

previous = importlib.import_module("complaints.migrations.0010_privacy_text_retention")

CHANGES = [
    (
        "sowie die Sprache des Formulars.</p>",
        "sowie die Sprache des Formulars. Wenn Sie eine Nachfrage wünschen, speichern wir das\n"
        "und später Ihre Antwort darauf mit Ihrem freiwilligen Kommentar.</p>",
    ),
    (
        "Bestätigungs-Mail mit Ihrem privaten Link; für anderes verwenden wir sie nicht.</p>",
        "Bestätigungs-Mail mit Ihrem privaten Link und, nur wenn Sie es wünschen, einige Wochen\n"
        "später eine einzige Nachfrage, ob das Problem besser geworden ist (mit einem Klick\n"
        "abbestellbar); für anderes verwenden wir sie nicht. Die Antworten werden wie die\n"
        "Meldungen nur als Zahlen veröffentlicht, mit denselben Regeln für kleine Zahlen.</p>",
    ),
    (
        "E-Mail-Adressen und ursprüngliche Beschreibungen werden\nnach 180 Tagen gelöscht,",
        "E-Mail-Adressen, ursprüngliche Beschreibungen und\nKommentare zur Nachfrage werden "
        "nach 180 Tagen gelöscht,",
    ),
]


def privacy_text() -> str:
    text = previous.PRIVACY_DE
    for old, new in CHANGES:
        assert old in text, old
        text = text.replace(old, new)
    return text


def update(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    FlatPage.objects.filter(url="/privacy/", content=previous.PRIVACY_DE).update(
        content=privacy_text()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0013_organizer_campaign_permissions"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
