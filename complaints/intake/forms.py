import datetime
import functools
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from complaints import text
from complaints.fields import ReadableCharField, ReadableEmailField
from complaints.intake import client_ids, observed
from complaints.intake.problem_types import ProblemTypesField
from complaints.models import (
    DESCRIPTION_MAX_LENGTH,
    Frequency,
    Location,
    ProblemType,
    Technology,
    postal_code_validator,
)
from complaints.places import selectors as place_selectors

EARLIEST_SINCE = datetime.date(1990, 1, 1)

# Accepted spellings of a month: the ISO form a month picker sends, and what people type
# where the browser shows a plain text box instead (Firefox and Safari on the desktop).
_MONTH_FORMATS = [
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$"),
    re.compile(r"^(?P<month>\d{1,2})[./](?P<year>\d{4})$"),
]


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class MonthField(forms.Field):
    """A month, stored as the first day of that month."""

    widget = MonthInput
    default_error_messages = {
        "invalid": _("Enter a month like 2026-03 or 03.2026."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        text = str(value).strip()
        for pattern in _MONTH_FORMATS:
            match = pattern.match(text)
            if match:
                try:
                    return datetime.date(int(match["year"]), int(match["month"]), 1)
                except ValueError:
                    break
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class DescriptionField(ReadableCharField):
    """Free text whose line breaks count once, as the browser's maxlength counts them."""

    def to_python(self, value):
        return text.multi_line(super().to_python(value))


class PlaceNameField(ReadableCharField):
    """A city or district name: invisible characters dropped, white space collapsed, and at
    least one letter (so that "???" or a stray emoji is not counted as a place)."""

    default_error_messages = {"no_letter": _("Enter a place name with letters.")}

    def to_python(self, value):
        return text.single_line(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not text.has_letter(value):
            raise ValidationError(self.error_messages["no_letter"], code="no_letter")


class PostalCodeField(ReadableCharField):
    """Five digits; spaces people type inside ("10 115") are dropped before validation."""

    def to_python(self, value):
        return super().to_python(value).replace(" ", "")


class ObservedAtField(forms.Field):
    """When the report was made, by the phone's clock (intake/observed.py: the notations and
    the window); None when the page's script did not say (made when it arrives)."""

    def to_python(self, value):
        return observed.parse(value)


class SentAtField(ObservedAtField):
    """When the offline queue sent the report, by the phone's clock: how far that clock is
    off, to correct observed_at (ComplaintForm.clean). Read as observed_at is."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(observed.INVALID_SENT, code="invalid") from None


class ClientIdField(forms.Field):
    """The report's random id, read as the intake's lookup reads it (intake/client_ids.py)."""

    def to_python(self, value):
        return client_ids.parse(value)


def optional(label):
    """A label that says the question may stay empty (a missing star is easily overlooked)."""
    return format_lazy("{} {}", label, _("(optional)"))


def _place_legend():
    return format_html(
        '{}<span class="asteriskField" aria-hidden="true">*</span>', _("In which place?")
    )


def _optional_heading():
    return format_html(
        '<h2 class="h5 mt-4 mb-3" id="optional-questions">{}</h2>',
        _("More about the problem (optional)"),
    )


def _place_hint():
    return format_html(
        '<p class="form-text mt-0" id="place-hint">{}</p>',
        _("The city or the postal code is enough."),
    )


def privacy_help_text(sentence) -> str:
    """A consent box's help text: `sentence` (lazy, with {privacy_policy}) with the link to
    the privacy policy; lazy itself, so that it is rendered in the reader's language."""

    def render():
        link = format_html('<a href="{}">{}</a>', reverse_lazy("privacy"), _("privacy policy"))
        return format_html(sentence, privacy_policy=link)

    return lazy(render, str)()


class ComplaintForm(forms.Form):
    """The public report form. Field names are part of the interface contract (SPEC.md)."""

    # Declared in the order shown: the required questions, then the optional ones, then the
    # consent; the error summary lists errors in this order too.
    carrier = forms.ChoiceField(label=_("Carrier"), required=False)
    problems = ProblemTypesField(  # the active types kept in the process (problem_types.py)
        label=_("What goes wrong?"),
        queryset=ProblemType.objects.filter(is_active=True),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose everything that applies."),
        error_messages={
            "required": _("Choose at least one problem."),
            "invalid_choice": _("%(value)s is not a problem type this form knows."),
            "invalid_pk_value": _("%(pk)s is not a problem type this form knows."),
        },
    )
    # Required together with postal_code: one of the two (clean()).
    city = PlaceNameField(
        label=_("City or municipality"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "address-level2", "list": "city-suggestions"}
        ),
    )
    district = PlaceNameField(
        label=optional(_("District")),
        max_length=100,
        required=False,
        help_text=_("Stadtteil or neighbourhood, if you know it."),
        widget=forms.TextInput(attrs={"list": "district-suggestions", "autocomplete": "off"}),
    )
    postal_code = PostalCodeField(
        label=_("Postal code"),
        max_length=10,
        required=False,
        validators=[postal_code_validator],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code", "pattern": "[0-9]{5}"}
        ),
    )
    frequency = forms.ChoiceField(
        label=_("How often?"),
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us how often the problem occurs.")},
    )
    # Not required in the form: left alone it is "unknown" (clean_technology), as the model's
    # default is.
    technology = forms.ChoiceField(
        label=optional(_("Network technology")),
        choices=Technology.choices,
        initial=Technology.UNKNOWN,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("What your phone shows next to the signal bars."),
    )
    since = MonthField(
        label=optional(_("Since when?")), required=False, help_text=_("Month and year.")
    )
    location = forms.ChoiceField(
        label=optional(_("Where?")),
        choices=[("", _("not specified")), *Location.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    description = DescriptionField(
        label=optional(_("Description")),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Please do not enter phone numbers, customer numbers or other personal data."),
    )
    email = ReadableEmailField(
        label=optional(_("Email")),
        max_length=254,  # the model's limit (RFC 5321); Django's form default allows 320
        required=False,
        help_text=_(
            "For questions about your report. Never published, never passed to the carrier."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    followup = forms.BooleanField(
        label=_("Ask me in a few weeks whether it has improved."),
        required=False,
        help_text=_(
            "One email, with your email address above; you can unsubscribe with one click."
        ),
    )
    consent = forms.BooleanField(
        label=_("I agree that my report is stored and evaluated anonymously."),
        help_text=privacy_help_text(
            _("Read how your report is stored and used in the {privacy_policy}.")
        ),
        error_messages={"required": _("Please agree so that your report can be counted.")},
    )

    # Filled in by the page's script (static/js/outbox.js), empty without it: the report's
    # own random id (sent twice, stored once), when it was made, and whether without a
    # connection (the offline queue).
    client_id = ClientIdField(required=False, widget=forms.HiddenInput)
    observed_at = ObservedAtField(required=False, widget=forms.HiddenInput)
    # The phone's clock when the queue sent it: observed_at is corrected by its error.
    sent_at = SentAtField(required=False, widget=forms.HiddenInput)
    offline = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        carriers = list(settings.EINZELFALL_CARRIERS.items())
        self.fields["carrier"].choices = carriers
        self.fields["carrier"].initial = carriers[0][0]
        if len(carriers) == 1:
            self.fields["carrier"].widget = forms.HiddenInput()

    @functools.cached_property
    def helper(self):
        """crispy's layout, made when the form is shown: a form only sent needs none."""
        helper = FormHelper()
        helper.form_tag = False
        # The fields without crispy's box of non-field errors: the page's error summary
        # lists those (report.html).
        helper.template = "complaints/report_form_fields.html"
        helper.layout = Layout(
            "client_id",
            "observed_at",
            "sent_at",
            "offline",
            "carrier",
            "problems",
            Fieldset(
                lazy(_place_legend, str)(),
                HTML(lazy(_place_hint, str)()),
                Div(
                    Div(Field("city"), css_class="col-md-6"),
                    Div(Field("district"), css_class="col-md-6"),
                    css_class="row",
                ),
                Div(Div(Field("postal_code"), css_class="col-6 col-md-4"), css_class="row"),
                css_class="place-group",
                aria_describedby="place-hint",
            ),
            "frequency",
            HTML(lazy(_optional_heading, str)()),
            "technology",
            Div(Div(Field("since"), css_class="col-6 col-md-4"), css_class="row"),
            "location",
            "description",
            "email",
            "followup",
            "consent",
            Submit("submit", _("Send report"), css_class="btn-lg w-100 mt-2"),
        )
        return helper

    def _clean_fields(self):
        """Django's, without a BoundField per field: the data needs only the widget, and a
        BoundField renders the label and help text (the consent's with a link), which a form
        sent and not shown never needs. (The form has no file or disabled fields.)"""
        for name, field in self.fields.items():
            value = self._widget_data_value(field.widget, self.add_prefix(name))
            try:
                self.cleaned_data[name] = field.clean(value)
                clean_field = getattr(self, f"clean_{name}", None)
                if clean_field is not None:
                    self.cleaned_data[name] = clean_field()
            except ValidationError as error:
                self.add_error(name, error)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("followup") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error(
                "email",
                ValidationError(
                    _("Enter your email address so that we can ask you later."),
                    code="followup_without_email",
                ),
            )
        self._clean_place(cleaned)
        self._clean_observed_at(cleaned)
        return cleaned

    def _clean_observed_at(self, cleaned):
        """observed_at corrected by the phone clock's error (sent_at), then its window."""
        moment = cleaned.get("observed_at")
        if moment is None or "sent_at" in self.errors:
            return
        try:
            cleaned["observed_at"] = observed.check(
                observed.corrected(moment, cleaned.get("sent_at"))
            )
        except ValidationError as error:
            self.add_error("observed_at", error)

    def _clean_place(self, cleaned):
        """The city or the postal code: a known postal code alone places the report, and the
        city it names is stored as the city typed (the raw text every report has)."""
        if cleaned.get("city") or "city" in self.errors or "postal_code" in self.errors:
            return
        postal_code = cleaned.get("postal_code")
        recognized = place_selectors.postal_code_city(postal_code) if postal_code else None
        if recognized:
            cleaned["city"] = recognized
        elif not postal_code:
            self.add_error(
                "city",
                ValidationError(
                    _("Tell us the city or municipality, or the postal code."), code="required"
                ),
            )
        else:
            self.add_error(
                "city",
                ValidationError(
                    _(
                        "The postal code %(postal_code)s is not one we know. Please tell us "
                        "the city or municipality."
                    ),
                    code="unknown_postal_code",
                    params={"postal_code": postal_code},
                ),
            )

    def error_summary(self) -> list[tuple[str | None, str]]:
        """(id of the input to go to, message) for the summary at the top of the page: the
        errors of the whole form first (no input), then each field's in the order shown."""
        entries = [(None, message) for message in self.non_field_errors()]
        for bound in self:
            widget = bound.field.widget
            if bound.is_hidden:
                target = None  # nothing to go to (the carrier when there is only one)
            elif isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                target = widget.id_for_label(bound.auto_id, "0")  # a group: its first input
            else:
                target = bound.id_for_label
            entries.extend((target, message) for message in bound.errors)
        return entries

    def clean_carrier(self):
        return self.cleaned_data["carrier"] or next(iter(settings.EINZELFALL_CARRIERS))

    def clean_technology(self):
        return self.cleaned_data["technology"] or Technology.UNKNOWN

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since is None:
            return None
        this_month = timezone.localdate().replace(day=1)
        if since > this_month:
            raise ValidationError(_("The month cannot be in the future."), code="future")
        if since < EARLIEST_SINCE:
            raise ValidationError(
                _("Enter a month from %(year)s on."),
                code="too_early",
                params={"year": EARLIEST_SINCE.year},
            )
        return since
