"""The complaint's form in the back office."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.models import Status


class ComplaintAdminForm(forms.ModelForm):
    # The redacted text as this form showed it (a fingerprint): a text sent back as shown was
    # not edited here, even if another moderator or redact_again changed it meanwhile; the
    # form's stale copy must not then be stored over theirs (complaint_save_by_moderator).
    description_redacted_shown = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            shown = services.redacted_fingerprint(self.instance.description_redacted)
            self.fields["description_redacted_shown"].initial = shown

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if "rejection_reason" in self.fields:
            if status == Status.REJECTED and not cleaned.get("rejection_reason"):
                self.add_error("rejection_reason", _("Choose why the report is rejected."))
            elif status != Status.REJECTED:
                cleaned["rejection_reason"] = None
        return cleaned
