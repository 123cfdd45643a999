"""Form fields that refuse text no person typed (NUL, U+FFFD), shared by every public form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints import text


class ReadableTextMixin:
    """A text field that refuses, with a message of its own, what cannot be taken as typed: a
    NUL character, or bytes that were not UTF-8 (which Django turns into U+FFFD). Cleaning
    would otherwise drop the NUL or keep the garbled text, silently."""

    default_error_messages = {
        "nul": _(
            "This text contains a null character (an invisible control character). Please "
            "type it again."
        ),
        "encoding": _(
            "This text contains characters that could not be read (it was not sent as "
            "UTF-8, or contains “�”). Please type it again."
        ),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str) and (problem := text.unreadable(value)):
            raise ValidationError(self.error_messages[problem], code=problem)
        return value


class ReadableCharField(ReadableTextMixin, forms.CharField):
    pass


class ReadableEmailField(ReadableTextMixin, forms.EmailField):
    pass
