"""The privacy page's default text, brought up to date with what the site now stores.

Only a page whose text is still the first default is replaced; an organizer's own text stays.
"""

from django.db import migrations

OLD_START = "<p><strong>Bitte vor dem Start ergänzen:</strong> Name und Anschrift"
OLD_MARK = "Ihre IP-Adresse wird nicht zusammen mit der Meldung gespeichert."

PRIVACY_DE = """
<p><strong>Bitte vor dem Start ergänzen:</strong> Name und Anschrift der verantwortlichen
Person (Art. 13 Abs. 1 lit. a DSGVO). Wenn Sie die Speicherfristen in den Einstellungen
ändern, passen Sie sie auch hier an. Diesen Text können Sie im Verwaltungsbereich unter
„Statische Seiten“ bearbeiten.</p>

<h2 class="h4">Was wir speichern</h2>
<p>Wenn Sie eine Meldung absenden, speichern wir: die Art der Probleme, Ort, Stadtteil und
Postleitzahl, Netztechnik, Häufigkeit, seit wann, wo das Problem auftritt, Ihre freiwillige
Beschreibung (und eine Fassung, aus der Telefonnummern, E-Mail-Adressen, Konto-, Kunden- und
Gerätenummern und Links entfernt sind), Ihre freiwillige E-Mail-Adresse und ob Sie sie
bestätigt haben, den Zeitpunkt der Meldung, den Zeitpunkt Ihrer Einwilligung und die Version
dieser Datenschutzerklärung sowie die Sprache des Formulars.</p>
<p>Ihre IP-Adresse speichern wir nicht. Um Mehrfachmeldungen und automatisierten Missbrauch zu
erkennen, bilden wir aus ihr einen verschlüsselten Prüfwert (HMAC mit einem geheimen, täglich
wechselnden Schlüssel), aus dem sich die Adresse nicht zurückrechnen lässt, und speichern ihn
sieben Tage lang mit der Meldung.</p>

<h2 class="h4">Wozu</h2>
<p>Die Meldungen werden gezählt und ausgewertet, um zu zeigen, wo das Mobilfunknetz versagt.
Veröffentlicht werden nur Zahlen, und keine Zahl unter fünf für einen Ort; wo sich eine kleine
Zahl ausrechnen ließe, wird auch eine andere nicht gezeigt. Der Netzbetreiber erhält
anonymisierte Daten (Problem, Ort, Stadtteil, Postleitzahl, Technik, Zeitraum und die
bereinigte Beschreibung), niemals Ihre E-Mail-Adresse, Ihren privaten Link oder Ihre
ursprüngliche Beschreibung. Wenn Sie eine E-Mail-Adresse angeben, schicken wir Ihnen eine
Bestätigungs-Mail mit Ihrem privaten Link; für anderes verwenden wir sie nicht.</p>

<h2 class="h4">Rechtsgrundlage und Speicherdauer</h2>
<p>Grundlage ist Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO), die Sie jederzeit mit Wirkung
für die Zukunft widerrufen können. E-Mail-Adressen und ursprüngliche Beschreibungen werden
nach 180 Tagen gelöscht, der Prüfwert der IP-Adresse nach sieben Tagen. Die übrigen Angaben
der Meldung bleiben für die Auswertung gespeichert, solange die Kampagne läuft.</p>

<h2 class="h4">Ihre Rechte</h2>
<p>Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung,
Datenübertragbarkeit und Beschwerde bei einer Datenschutz-Aufsichtsbehörde. Über den privaten
Link, den Sie nach dem Absenden erhalten, können Sie Ihre Meldung jederzeit ansehen und
endgültig löschen.</p>

<h2 class="h4">Keine Dritten</h2>
<p>Diese Website lädt keine Inhalte von fremden Servern: keine Schriftarten, keine
Statistikdienste, keine Tracker. Es werden nur technisch notwendige Cookies gesetzt
(Spracheinstellung und Schutz der Formulare).</p>
""".strip()


def update(apps, schema_editor):
    FlatPage = apps.get_model("flatpages", "FlatPage")
    for page in FlatPage.objects.filter(url="/privacy/"):
        if page.content.startswith(OLD_START) and OLD_MARK in page.content:
            page.content = PRIVACY_DE
            page.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0009_email_confirmed_at"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
