"""A row of an import made a complaint: a new instance, the form's clean-up of its texts, and
the checks full_clean() would make, quickly (they run for every row of a big file)."""

import functools
import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models.base import ModelState
from django.utils.translation import gettext as _

from complaints import text
from complaints.carrier.imports.files import PSEUDONYM
from complaints.carrier.imports.widgets import CHOICES, choice
from complaints.intake.forensics import description_fingerprint
from complaints.models import (
    DESCRIPTION_REDACTED_MAX_LENGTH,
    PSEUDONYM_BYTES,
    REFERENCE_BYTES,
    Complaint,
    Status,
    Technology,
    pseudonym_text,
    reads_as_number,
    reference_text,
)
from complaints.privacy.redaction import redact

# The file's texts, checked as full_clean() checks them (required, length, validators). The
# other fields hold what the widgets and the choices made, valid by construction, and the
# model's check constraints repeat their checks (full_clean() would run a query each).
TEXT_FIELDS = ["carrier", "city", "district", "postal_code", "description", "email"]


def _random_texts(size: int, text):
    """Endless text(random bytes of size), from the system's random source (as secrets
    draws them), a thousand at a time; never a text a spreadsheet reads as a number (as
    new_pseudonym says)."""
    while True:
        data = secrets.token_bytes(size * 1000)
        for start in range(0, len(data), size):
            made = text(data[start : start + size])
            if not reads_as_number(made):
                yield made


class NewComplaints:
    """New complaints with their fields' defaults, the constant ones worked out once
    (Model.__init__ looks up every field's default for every instance); the references and
    pseudonyms drawn from the system's random source a thousand at a time."""

    def __init__(self):
        self.tokens = {
            "reference": _random_texts(REFERENCE_BYTES, reference_text),
            "pseudonym": _random_texts(PSEUDONYM_BYTES, pseudonym_text),
        }
        fields = Complaint._meta.concrete_fields
        per_row = [f for f in fields if f.has_default() and callable(f.default)]
        self.blank = {f.attname: f.get_default() for f in fields if f not in per_row}
        self.made_per_row = [f for f in per_row if f.attname not in self.tokens]

    def make(self) -> Complaint:
        instance = Complaint.__new__(Complaint)
        values = instance.__dict__
        values.update(self.blank)
        for field in self.made_per_row:
            values[field.attname] = field.get_default()
        for name, tokens in self.tokens.items():
            values[name] = next(tokens)
        instance._state = ModelState()
        return instance


def tidy_place(instance: Complaint, errors: dict) -> None:
    """City, district and postal code as the form takes them."""
    if instance.city and not text.has_letter(str(instance.city)):
        errors["city"] = _("A place name needs letters.")
    instance.city = text.single_line(str(instance.city or ""))
    instance.district = text.single_line(str(instance.district or ""))
    instance.postal_code = str(instance.postal_code or "").strip()
    # A spreadsheet made the code a number: 1067 or 1067.0 is 01067.
    code = instance.postal_code.removesuffix(".0")
    if code.isdigit() and 3 <= len(code) < 5:
        instance.postal_code = code.zfill(5)


def tidy_choices(instance: Complaint, errors: dict) -> None:
    """The choice fields' words as their codes (an unknown technology is "unknown")."""
    for name in CHOICES:
        try:
            setattr(instance, name, choice(getattr(instance, name), name))
        except ValueError as error:
            errors[name] = str(error)
    instance.technology = instance.technology or Technology.UNKNOWN


def tidy_description(instance: Complaint) -> None:
    """The description and email as the form takes them, the redacted description and its
    fingerprint (a file of copies of one text shows as a burst). No network or email domain
    hash: a file has no addresses, and its reports are mostly older than those hashes live."""
    instance.description = text.multi_line(str(instance.description or ""))
    instance.email = str(instance.email or "").strip()
    instance.description_redacted = text.capped(
        redact(instance.description, instance.email), DESCRIPTION_REDACTED_MAX_LENGTH
    )
    instance.description_fingerprint = description_fingerprint(instance.description_redacted)


# A pseudonym as this site (or another) writes one: letters, digits, "-" and "_".
PSEUDONYM_FORM = re.compile(r"[A-Za-z0-9_-]{1,32}")


def pseudonym_of(row) -> str:
    return str(row.get(PSEUDONYM) or "").strip()


def stored_pseudonyms(values) -> set[str]:
    """Those of the file's pseudonyms that complaints have already, a thousand at a time."""
    wanted = sorted({str(value or "").strip() for value in values} - {""})
    stored = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        stored.update(
            Complaint.objects.filter(pseudonym__in=chunk).values_list("pseudonym", flat=True)
        )
    return stored


def take_pseudonym(instance: Complaint, row, errors: dict) -> None:
    """The file's pseudonym (a carrier export's), so that importing the file again matches
    its rows; none: the one drawn. Digits only is refused: a spreadsheet made it a number,
    perhaps a rounded one, and it would never match again."""
    pseudonym = pseudonym_of(row)
    if not pseudonym:
        return
    if not PSEUDONYM_FORM.fullmatch(pseudonym) or pseudonym.isdigit():
        errors["pseudonym"] = _(
            "Not a pseudonym: %(value)r (letters and digits, at most 32; never digits only: "
            "a spreadsheet may have made it a number)"
        ) % {"value": pseudonym[:40]}
        return
    instance.pseudonym = pseudonym


def mark_imported(instance: Complaint) -> None:
    instance.status = Status.PENDING
    instance.imported = True
    # Consent was given on the old form; the organizer answers for it.
    instance.consent_at = instance.submitted_at
    instance.privacy_policy_version = "import"


@functools.cache
def _text_checks() -> list[tuple]:
    """Per text field: (field, the longest valid text when a MaxLengthValidator is the
    field's only check, else None)."""
    checks = []
    for name in TEXT_FIELDS:
        field = Complaint._meta.get_field(name)
        limits = [v.limit_value for v in field.validators if type(v) is MaxLengthValidator]
        only_length = len(limits) == len(field.validators) and not any(map(callable, limits))
        checks.append((field, min(limits) if limits and only_length else None))
    return checks


def text_field_errors(instance: Complaint) -> dict[str, str]:
    """What full_clean() would say about the texts of the file (TEXT_FIELDS)."""
    errors = {}
    values = instance.__dict__
    for field, longest in _text_checks():
        value = values[field.attname]
        if longest is not None and type(value) is str and 0 < len(value) <= longest:
            continue  # what the field's MaxLengthValidator would say, quickly
        try:
            if value in field.empty_values:
                if not field.blank:
                    raise ValidationError(field.error_messages["blank"], code="blank")
                continue
            field.run_validators(value)
        except ValidationError as error:
            errors[field.name] = " ".join(error.messages)
    return errors
