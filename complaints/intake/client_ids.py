"""A report's own id (client_id, crypto.randomUUID() in the page's script): one reading for
the form (ClientIdField) and the intake's lookup (services.submit), so that every spelling
the form accepts finds the report stored under it."""

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Far more than any honest spelling (36 characters; "urn:uuid:", braces, white space), few
# enough that uuid.UUID never reads a hundred thousand hyphens.
MAX_LENGTH = 200

INVALID = _("This report's id could not be read. Please send it again.")


def parse(value) -> uuid.UUID | None:
    """The id; None for an empty value; ValidationError ("invalid") for anything else. Any
    spelling uuid.UUID reads (upper case, braces, no hyphens, urn:uuid:), white space around
    it dropped; ASCII only: uuid.UUID reads other scripts' digits as hex digits."""
    if isinstance(value, uuid.UUID):
        return value
    text = "" if value is None else str(value)
    if len(text) > MAX_LENGTH or not text.isascii():
        raise ValidationError(INVALID, code="invalid")
    text = text.strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationError(INVALID, code="invalid") from None


def valid(value) -> uuid.UUID | None:
    """The id of a posted value, or None (absent or unreadable)."""
    try:
        return parse(value)
    except ValidationError:
        return None
