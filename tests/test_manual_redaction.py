"""A person's correction of the redacted description survives every later edit.

Moderators correct what the automatic redaction missed (a name, an address). Editing another
field afterwards (the status, a place, the original description) must never make the redacted
text anew from the original: that would put back what the person removed. Automatic
redaction may only remove more from the corrected text.
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client

from complaints.models import Complaint, Status
from complaints.privacy.redaction import REDACTED

from .factories import ComplaintFactory, UserFactory

CHANGELIST = "/admin/complaints/complaint/"
ORIGINAL = "Seit März kein Netz. Ich wohne Lindenallee 12 bei Familie Okonkwo. Bitte helfen!"
CORRECTED = f"Seit März kein Netz. Ich wohne {REDACTED}. Bitte helfen!"


@pytest.fixture
def moderator(db):
    user = UserFactory(username="moritz", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


def change_form(client, complaint) -> tuple[str, dict]:
    """The change form's values as a browser sends them back: text areas with CRLF line
    breaks (HTML forms normalize every line break in a textarea to CRLF)."""
    url = f"{CHANGELIST}{complaint.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\n", "\r\n")
        data[name] = value
    data["problems"] = [p.pk for p in complaint.problems.all()]
    return url, data


def post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


TEXTS = {
    "one line": (ORIGINAL, CORRECTED),
    # Browsers send a text area's line breaks back as CRLF.
    "several lines": (ORIGINAL.replace(". ", ".\n"), CORRECTED.replace(". ", ".\n")),
}


@pytest.fixture(params=list(TEXTS))
def corrected(request, client, moderator):
    """(report, original, correction): a report whose redacted text a moderator corrected in
    the back office."""
    original, correction = TEXTS[request.param]
    # What the rules left in: the address (set here, so the test does not hang on the rules).
    complaint = ComplaintFactory(
        description=original, description_redacted=original, problems=["no-signal"]
    )
    client.force_login(moderator)
    url, data = change_form(client, complaint)
    post(client, url, {**data, "description_redacted": correction})
    complaint.refresh_from_db()
    assert complaint.description_redacted == correction
    client.logout()
    return complaint, original, correction


def test_the_organizer_publishing_keeps_the_moderators_correction(client, organizer, corrected):
    complaint, _, correction = corrected
    client.force_login(organizer)
    url, data = change_form(client, complaint)
    post(client, url, {**data, "status": Status.PUBLISHED})
    complaint.refresh_from_db()
    assert complaint.status == Status.PUBLISHED
    assert complaint.description_redacted == correction


def test_another_moderator_editing_the_note_keeps_the_correction(client, moderator, corrected):
    complaint, _, correction = corrected
    client.force_login(moderator)
    url, data = change_form(client, complaint)
    post(client, url, {**data, "moderation_note": "Adresse entfernt"})
    complaint.refresh_from_db()
    assert complaint.description_redacted == correction


def test_editing_the_original_only_removes_more_from_the_correction(client, organizer, corrected):
    """The organizer adds a phone number to the original: the corrected text is not made
    anew (the address stays removed), and nothing of the new text leaks into it."""
    complaint, original, correction = corrected
    client.force_login(organizer)
    url, data = change_form(client, complaint)
    edited = original + "\nRückruf unter 0176 12345678"
    post(client, url, {**data, "description": edited.replace("\n", "\r\n")})
    complaint.refresh_from_db()
    assert complaint.description == edited
    assert complaint.description_redacted == correction
    assert "Lindenallee" not in complaint.description_redacted


def test_a_correction_is_remembered(corrected):
    assert corrected[0].description_redacted_by_hand


def test_a_new_email_address_is_removed_from_the_correction(client, organizer, moderator):
    complaint = ComplaintFactory(description="Kein Netz in der Schanze", problems=["no-signal"])
    client.force_login(moderator)
    url, data = change_form(client, complaint)
    # The moderator's version happens to keep a word that turns out to be the sender's name.
    post(client, url, {**data, "description_redacted": "Kein Netz, schreibt okonkwo77"})
    client.force_login(organizer)
    url, data = change_form(client, complaint)
    post(client, url, {**data, "email": "okonkwo77@example.org"})
    complaint.refresh_from_db()
    assert complaint.description_redacted == f"Kein Netz, schreibt {REDACTED}"


def test_without_a_correction_an_edited_original_is_redacted_anew(client, organizer):
    complaint = ComplaintFactory(description="Kein Netz", problems=["no-signal"])
    client.force_login(organizer)
    url, data = change_form(client, complaint)
    post(client, url, {**data, "description": "Kein Netz, Rückruf 0176 12345678"})
    complaint.refresh_from_db()
    assert complaint.description_redacted == f"Kein Netz, Rückruf {REDACTED}"
    assert not complaint.description_redacted_by_hand


def test_saving_without_touching_the_text_is_not_a_correction(client, moderator):
    complaint = ComplaintFactory(description="Zeile eins\nZeile zwei", problems=["sms"])
    client.force_login(moderator)
    url, data = change_form(client, complaint)
    post(client, url, {**data, "moderation_note": "ok"})
    assert not Complaint.objects.get(pk=complaint.pk).description_redacted_by_hand


def redact_again(*args) -> str:
    out = io.StringIO()
    call_command("redact_again", *args, stdout=out)
    return out.getvalue()


def test_redact_again_applies_better_rules_but_never_undoes_a_correction(db):
    leaked = "Ruft mich an: 0176 1234 5678"
    # Made by older rules that let the number through.
    stale = ComplaintFactory(description=leaked, description_redacted=leaked)
    corrected = ComplaintFactory(
        description=ORIGINAL,
        description_redacted=f"{CORRECTED} Mail: kai.o@example.org",
        description_redacted_by_hand=True,
    )
    # The original is gone (retention); the redacted text is all there is.
    purged = ComplaintFactory(description="", description_redacted=leaked)
    clean = ComplaintFactory(description="Kein Netz", description_redacted="Kein Netz")

    assert "would change 3" in redact_again("--dry-run")
    assert Complaint.objects.get(pk=stale.pk).description_redacted == leaked

    assert "4 descriptions examined, changed 3" in redact_again("--batch-size", "2")
    assert Complaint.objects.get(pk=stale.pk).description_redacted == f"Ruft mich an: {REDACTED}"
    assert Complaint.objects.get(pk=purged.pk).description_redacted == f"Ruft mich an: {REDACTED}"
    assert Complaint.objects.get(pk=corrected.pk).description_redacted == (
        f"{CORRECTED} Mail: {REDACTED}"
    )
    assert Complaint.objects.get(pk=clean.pk).description_redacted == "Kein Netz"
    assert "changed 0" in redact_again()  # idempotent


def test_a_correction_saved_while_redact_again_runs_is_kept(db):
    leaked = "Ruft mich an: 0176 1234 5678"
    stale = ComplaintFactory(description=leaked, description_redacted=leaked)
    saved = []

    def moderator_saves_meanwhile(execute, sql, params, many, context):
        # Between the command's reading of the batch and its writing, a moderator stores a
        # correction (here on the same connection; in production on another one).
        if sql.lstrip().upper().startswith("UPDATE") and not saved:
            saved.append(True)
            Complaint.objects.filter(pk=stale.pk).update(
                description_redacted="Korrigiert von Hand", description_redacted_by_hand=True
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(moderator_saves_meanwhile):
        assert "1 descriptions examined, changed 0" in redact_again()
    assert saved
    stale.refresh_from_db()
    assert stale.description_redacted == "Korrigiert von Hand"


def test_a_form_opened_before_a_correction_does_not_undo_it(client, moderator):
    complaint = ComplaintFactory(
        description=ORIGINAL, description_redacted=ORIGINAL, problems=["no-signal"]
    )
    client.force_login(moderator)
    url, stale = change_form(client, complaint)  # the first moderator opens the report
    other = Client()
    second = UserFactory(username="mara", is_staff=True)
    second.groups.add(Group.objects.get(name="Moderator"))
    other.force_login(second)
    _, data = change_form(other, complaint)
    post(other, url, {**data, "description_redacted": CORRECTED})  # a second one corrects it
    post(client, url, {**stale, "moderation_note": "gesehen"})  # the first one saves a note
    complaint.refresh_from_db()
    assert complaint.moderation_note == "gesehen"
    assert complaint.description_redacted == CORRECTED
    assert complaint.description_redacted_by_hand


def test_a_form_opened_before_redact_again_does_not_put_the_number_back(client, moderator):
    leaked = "Ruft mich an: 0176 1234 5678"
    complaint = ComplaintFactory(
        description=leaked, description_redacted=leaked, problems=["no-signal"]
    )
    client.force_login(moderator)
    url, stale = change_form(client, complaint)
    assert "changed 1" in redact_again()
    post(client, url, {**stale, "moderation_note": "gesehen"})
    complaint.refresh_from_db()
    assert complaint.description_redacted == f"Ruft mich an: {REDACTED}"
    assert not complaint.description_redacted_by_hand
