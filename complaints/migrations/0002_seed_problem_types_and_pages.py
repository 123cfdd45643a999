"""Seed the problem types of the spec and the default privacy and imprint pages."""

from django.db import migrations

PROBLEM_TYPES = [
    # slug, German name, English name
    ("no-data", "Keine Datenverbindung", "No data connection"),
    ("slow-data", "Langsames mobiles Internet", "Slow mobile internet"),
    ("dropped-calls", "Gesprächsabbrüche", "Dropped calls"),
    ("no-signal", "Kein Netz / kein Empfang", "No network / no signal"),
    ("calls-fail", "Anrufe kommen nicht zustande", "Calls do not connect"),
    ("sms", "SMS kommen verspätet oder gar nicht an", "SMS arrive late or not at all"),
    ("other", "Sonstiges", "Other"),
]

PRIVACY_DE = """
<p><strong>Bitte vor dem Start ergänzen:</strong> Name und Anschrift der verantwortlichen
Person (Art. 13 Abs. 1 lit. a DSGVO). Diesen Text können Sie im Verwaltungsbereich unter
„Statische Seiten“ bearbeiten.</p>

<h2 class="h4">Was wir speichern</h2>
<p>Wenn Sie eine Meldung absenden, speichern wir: die Art der Probleme, Ort, Stadtteil und
Postleitzahl, Netztechnik, Häufigkeit, seit wann, wo das Problem auftritt, Ihre freiwillige
Beschreibung, Ihre freiwillige E-Mail-Adresse, den Zeitpunkt der Meldung, den Zeitpunkt Ihrer
Einwilligung und die Version dieser Datenschutzerklärung sowie die Sprache des Formulars.
Ihre IP-Adresse wird nicht zusammen mit der Meldung gespeichert.</p>

<h2 class="h4">Wozu</h2>
<p>Die Meldungen werden gezählt und ausgewertet, um zu zeigen, wo das Mobilfunknetz versagt.
Veröffentlicht werden nur Zahlen je Stadt und Stadtteil, und nur, wenn mindestens fünf Meldungen
zusammenkommen. Der Netzbetreiber erhält anonymisierte Daten (Problem, Ort, Stadtteil,
Postleitzahl, Technik, Zeitraum und eine von persönlichen Angaben bereinigte Beschreibung),
niemals Ihre E-Mail-Adresse. Ihre E-Mail-Adresse verwenden wir nur für Rückfragen und
Nachrichten zu Ihrer Meldung.</p>

<h2 class="h4">Rechtsgrundlage und Speicherdauer</h2>
<p>Grundlage ist Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO), die Sie jederzeit mit Wirkung
für die Zukunft widerrufen können. Meldungen werden für die Dauer der Kampagne gespeichert;
E-Mail-Adressen werden gelöscht, sobald sie für Rückfragen nicht mehr benötigt werden.</p>

<h2 class="h4">Ihre Rechte</h2>
<p>Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung,
Datenübertragbarkeit und Beschwerde bei einer Datenschutz-Aufsichtsbehörde. Über den privaten
Link, den Sie nach dem Absenden erhalten, können Sie Ihre Meldung jederzeit ansehen.</p>

<h2 class="h4">Keine Dritten</h2>
<p>Diese Website lädt keine Inhalte von fremden Servern: keine Schriftarten, keine
Statistikdienste, keine Tracker. Es werden nur technisch notwendige Cookies gesetzt
(Spracheinstellung und Schutz der Formulare).</p>
""".strip()

IMPRINT_DE = """
<p><strong>Bitte vor dem Start ergänzen</strong> (Angaben gemäß § 5 DDG): Name und Anschrift,
E-Mail-Adresse für die schnelle Kontaktaufnahme, gegebenenfalls Vertretungsberechtigte.
Diesen Text können Sie im Verwaltungsbereich unter „Statische Seiten“ bearbeiten.</p>

<h2 class="h4">Verantwortlich für den Inhalt</h2>
<p>[Name]<br>[Straße und Hausnummer]<br>[Postleitzahl und Ort]<br>E-Mail: [Adresse]</p>

<p>Diese Kampagne ist eine Initiative von Kundinnen und Kunden und steht in keiner Verbindung
zum Netzbetreiber.</p>
""".strip()

PAGES = [
    ("/privacy/", "Datenschutzerklärung", PRIVACY_DE),
    ("/imprint/", "Impressum", IMPRINT_DE),
]


def seed(apps, schema_editor):
    ProblemType = apps.get_model("complaints", "ProblemType")
    for position, (slug, name_de, name_en) in enumerate(PROBLEM_TYPES, start=1):
        ProblemType.objects.update_or_create(
            slug=slug, defaults={"name_de": name_de, "name_en": name_en, "position": position * 10}
        )

    Site = apps.get_model("sites", "Site")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    # The sites framework creates its default site only after all migrations; the pages need
    # it now. On a fresh database this becomes site 1 (settings.SITE_ID).
    site = Site.objects.order_by("pk").first() or Site.objects.create(
        domain="localhost", name="Einzelfall"
    )
    for url, title, content in PAGES:
        page, created = FlatPage.objects.get_or_create(
            url=url, defaults={"title": title, "content": content}
        )
        page.sites.add(site)


def unseed(apps, schema_editor):
    # Problem types may be referenced by complaints; leave them. Remove only untouched pages.
    FlatPage = apps.get_model("flatpages", "FlatPage")
    for url, title, content in PAGES:
        FlatPage.objects.filter(url=url, content=content).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
