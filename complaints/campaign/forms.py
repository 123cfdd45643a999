"""The follow-up question's form."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from complaints import text
from complaints.fields import ReadableCharField
from complaints.models import (
    FOLLOWUP_COMMENT_MAX_LENGTH,
    FollowupAnswer,
)


class FollowupForm(forms.Form):
    """The answer to the follow-up mail: has it improved? And, if the person likes, why."""

    answer = forms.ChoiceField(
        label=_("Has the problem improved since your report?"),
        choices=FollowupAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose an answer."),
            "invalid_choice": _("Please choose an answer."),
        },
    )
    comment = ReadableCharField(
        label=_("Comment"),
        required=False,
        max_length=FOLLOWUP_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Never published. Please no phone or customer numbers."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "answer", "comment", Submit("submit", _("Send answer"), css_class="btn-lg mt-2")
        )

    def clean_comment(self):
        return text.multi_line(self.cleaned_data["comment"])
