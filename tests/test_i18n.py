"""German by default, English on request, and catalogues that are complete and compiled."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"


def test_site_is_german_by_default(client):
    html = client.get("/report/").content.decode()
    assert '<html lang="de">' in html
    assert "Netzproblem melden" in html
    assert "Meldung absenden" in html


def test_browser_language_english_gets_english(client):
    html = client.get("/report/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in html
    assert "Report a network problem" in html


def test_language_switch_changes_the_page_and_returns_to_it(client):
    html = client.get("/report/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/report/"})
    assert response.status_code == 302 and response["Location"] == "/report/"
    assert "Report a network problem" in client.get("/report/").content.decode()
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert "Sie sind nicht allein" in client.get("/").content.decode()


def test_language_switch_is_on_every_page(client):
    for path in ["/", "/report/", "/privacy/", "/imprint/", "/nowhere/"]:
        assert 'action="/i18n/setlang/"' in client.get(path).content.decode(), path


def test_problem_types_follow_the_language(client):
    assert "Gesprächsabbrüche" in client.get("/report/").content.decode()
    english = client.get("/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Dropped calls" in english and "Gesprächsabbrüche" not in english


def test_dates_are_localized(client):
    from .factories import ComplaintFactory

    complaint = ComplaintFactory(since="2025-03-01")
    url = f"/report/thanks/{complaint.reference}/"
    assert "März 2025" in client.get(url).content.decode()
    assert "March 2025" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.parametrize("language", ["de", "en"])
def test_catalogue_is_complete_and_compiled(language):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []
    assert len(po) > 100
    # The committed .mo is what the site runs on (no gettext needed): it must match the .po.
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgid, e.msgstr or tuple(e.msgstr_plural.values())) for e in mo}
    source = {
        (e.msgid, e.msgstr or tuple(e.msgstr_plural.values())) for e in po.translated_entries()
    }
    assert source <= compiled


def test_english_catalogue_is_the_source_text():
    """The source strings are English: an English entry that differs is a stale guess."""
    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    wrong = [
        (e.msgid, e.msgstr)
        for e in po
        if (e.msgstr_plural and list(e.msgstr_plural.values()) != [e.msgid, e.msgid_plural])
        or (not e.msgid_plural and e.msgstr != e.msgid)
    ]
    assert wrong == []


def test_every_template_string_is_in_the_catalogue():
    """A string marked in a template but missing from the catalogue would stay English."""
    import re

    po = polib.pofile(str(LOCALE / "de" / "LC_MESSAGES" / "django.po"))
    known = {e.msgid for e in po}
    missing = []
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        if "admin" in template.parts:
            continue  # admin templates also use Django's own catalogue ("Home", "Cancel")
        source = template.read_text()
        found = re.findall(r"""{%\s*translate\s+(?:"([^"]+)"|'([^']+)')""", source)
        msgids = [double or single for double, single in found]
        # {% blocktranslate trimmed %}: the text up to {% plural %} or the end, one line.
        for block in re.findall(
            r"{%\s*blocktranslate\b[^%]*%}(.*?){%\s*(?:plural|endblocktranslate)\s*%}", source, re.S
        ):
            block = block.replace("%", "%%")  # as blocktranslate escapes a literal percent
            msgids.append(" ".join(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block).split()))
        missing += [
            (template.name, msgid)
            for msgid in msgids
            if msgid not in known and msgid.replace("%", "%%") not in known
        ]
    assert missing == []
