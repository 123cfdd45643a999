"""The complaint's form in the back office, and the queue's confirmation of a bulk decision."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints import services
from complaints.backoffice.hardening import parse_id
from complaints.models import RejectionReason, Status


def offered_reasons(current_id=None):
    """The active reasons, and the one a report already has even if it is inactive now (so
    that saving the report does not ask for another)."""
    return RejectionReason.objects.filter(Q(is_active=True) | Q(pk=current_id))


def decision_of(complaint) -> str:
    """A complaint's stored decision, as the change form remembers it."""
    return f"{complaint.status}:{complaint.rejection_reason_id or ''}"


class ReasonField(forms.ModelChoiceField):
    """A reason chosen by id; a value that is no id is a form error, not a database error."""

    def to_python(self, value):
        if value not in self.empty_values and parse_id(RejectionReason._meta.pk, value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ComplaintAdminForm(forms.ModelForm):
    # The redacted text as this form showed it (a fingerprint): a text sent back as shown was
    # not edited here, even if another moderator or redact_again changed it meanwhile; the
    # form's stale copy must not then be stored over theirs (complaint_save_by_moderator).
    description_redacted_shown = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64
    )

    # The decision (status and reason) as this form showed it: a page opened before someone
    # else decided at the desk must not put the old status back when it is saved.
    decision_shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            shown = services.redacted_fingerprint(self.instance.description_redacted)
            self.fields["description_redacted_shown"].initial = shown
            self.fields["decision_shown"].initial = decision_of(self.instance)
        reason = self.fields.get("rejection_reason")
        if reason is not None:
            reason.queryset = offered_reasons(self.instance.rejection_reason_id)

    def clean(self):
        cleaned = super().clean()
        shown = cleaned.get("decision_shown")
        if self.instance.pk is not None and shown and shown != decision_of(self.instance):
            raise forms.ValidationError(
                _(
                    "Someone else has decided on this report since this page was opened (it "
                    "is now: %(status)s). Nothing was saved; open the report again to see it."
                ),
                code="decided_meanwhile",
                params={"status": self.instance.get_status_display()},
            )
        status = cleaned.get("status")
        if "rejection_reason" in self.fields:
            if status == Status.REJECTED and not cleaned.get("rejection_reason"):
                self.add_error("rejection_reason", _("Choose why the report is rejected."))
            elif status != Status.REJECTED:
                cleaned["rejection_reason"] = None
        return cleaned


class BulkDecisionForm(forms.Form):
    """The second step of a bulk decision in the queue: `confirm` says the person saw the
    reports; a rejection also needs its reason (an active one)."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="yes")
    # What the page showed: how many reports, up to which id. "Yes" decides on those only; a
    # report that arrived (or changed) since is not decided unseen.
    shown_count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    shown_upto = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Which reports: the count alone would let one that left the selection be replaced, unseen,
    # by one that came back to it (an undo at the desk).
    shown_digest = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, status, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status = status
        if status == Status.REJECTED:
            self.fields["reason"] = ReasonField(
                queryset=RejectionReason.objects.filter(is_active=True),
                label=_("Rejection reason"),
                empty_label=_("Choose a reason"),
            )

    @property
    def reason(self):
        return self.cleaned_data.get("reason")
