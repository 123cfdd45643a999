"""The carrier's answer for one opened place: a status, a due date for a planned expansion,
and a public statement. Checked here so that every error has its message before the service
(cases.statement_submit) is asked, which checks again and stores."""

import datetime
import unicodedata

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import text
from complaints.carrier import cases
from complaints.models import CarrierStatement, PlaceStatus

TEXT_MAX_LENGTH = 2000
# How far ahead a due date may lie: a promise for a decade is no deadline.
DUE_MAX_DAYS = 10 * 366
# Line breaks and tabs are kept as written; every other control character is refused (the
# statement is published verbatim, so nothing is silently dropped from it).
ALLOWED_CONTROLS = {"\n", "\t"}


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=PlaceStatus.Kind.choices, widget=forms.RadioSelect
    )
    due_date = forms.DateField(
        label=_("Expansion due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required for a planned expansion; leave empty otherwise."),
    )
    text = forms.CharField(
        label=_("Public statement"),
        # No strip here: clean_text trims and says what it counts.
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": TEXT_MAX_LENGTH}),
    )

    def __init__(self, *args, publish_directly: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if publish_directly:
            help_text = _(
                "Up to %(max)d characters. Published at once, verbatim, dated and signed with "
                "your company's name, on the city page, in the news and in the open data."
            )
        else:
            help_text = _(
                "Up to %(max)d characters. Published verbatim, dated and signed with your "
                "company's name, once the organizer has approved it: on the city page, in the "
                "news and in the open data."
            )
        self.fields["text"].help_text = help_text % {"max": TEXT_MAX_LENGTH}

    def clean_text(self) -> str:
        value = self.cleaned_data["text"]
        if text.unreadable(value):
            raise forms.ValidationError(
                _(
                    "The statement holds characters that cannot be stored (a NUL byte or "
                    "text that was not UTF-8)."
                ),
                code="unreadable",
            )
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS for ch in value):
            raise forms.ValidationError(
                _("The statement holds control characters; please remove them."), code="control"
            )
        if not cases.visible(value):
            raise forms.ValidationError(_("Please write a statement."), code="required")
        if len(value) > TEXT_MAX_LENGTH:
            raise forms.ValidationError(
                _("The statement has %(length)d characters; at most %(max)d are allowed."),
                code="max_length",
                params={"length": len(value), "max": TEXT_MAX_LENGTH},
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if "due_date" not in self.errors:
            error = due_date_error(cleaned.get("status"), cleaned.get("due_date"))
            if error is not None:
                self.add_error("due_date", error)
        return cleaned


def due_date_error(status: str | None, due: datetime.date | None):
    """What is wrong with the due date for this status (a ValidationError), or None."""
    planned = status == PlaceStatus.Kind.EXPANSION_PLANNED
    today = timezone.localdate()
    if planned and due is None:
        return forms.ValidationError(
            _("A planned expansion needs a due date."), code="due_required"
        )
    if status and not planned and due is not None:
        return forms.ValidationError(
            _("A due date belongs to a planned expansion only; leave it empty."),
            code="due_not_planned",
        )
    if planned and due < today:
        return forms.ValidationError(
            _("The due date has passed; please give a date from today on."), code="due_past"
        )
    if planned and due > today + datetime.timedelta(days=DUE_MAX_DAYS):
        return forms.ValidationError(_("The due date is more than ten years away."), code="due_far")
    return None


def sent_message(statement: CarrierStatement) -> str:
    """What the desk says after sending, by what became of the statement."""
    if statement.review == CarrierStatement.Review.PUBLISHED:
        return _("Your statement is published.")
    return _("Your statement was sent; it is published once the organizer approves it.")
