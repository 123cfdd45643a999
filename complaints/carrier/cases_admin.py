"""The organizer's admin of carriers (contacts, publishing) and of their statements
(approval). The carrier's words are shown as written and never edited here: the organizer
publishes a statement or does not (with a note to the carrier)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Case, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.backoffice.filters import carrier_filter
from complaints.carrier import cases
from complaints.models import CarrierProfile, CarrierStatement, carrier_name

REJECT_TEMPLATE = "admin/complaints/carrierstatement/reject.html"


class CarrierProfileForm(forms.ModelForm):
    carrier = forms.ChoiceField(label=_("carrier"), choices=())

    class Meta:
        model = CarrierProfile
        fields = ["carrier", "contact_emails", "publish_directly"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = list(settings.EINZELFALL_CARRIERS.items())

    def clean_contact_emails(self):
        lines = [line.strip() for line in self.cleaned_data["contact_emails"].splitlines()]
        addresses = [line for line in lines if line]
        wrong = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        if wrong:
            raise ValidationError(
                _("Not an email address: %(wrong)s"),
                code="invalid",
                params={"wrong": ", ".join(wrong[:5])},
            )
        return "\n".join(addresses)


@admin.register(CarrierProfile)
class CarrierProfileAdmin(admin.ModelAdmin):
    form = CarrierProfileForm
    list_display = ["name", "contact_count", "publish_directly"]
    ordering = ["carrier"]

    @admin.display(description=_("carrier"), ordering="carrier")
    def name(self, profile):
        return carrier_name(profile.carrier)

    @admin.display(description=_("contact addresses"))
    def contact_count(self, profile):
        return len(profile.contacts)


CarrierFilter = carrier_filter("case__carrier")


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the carrier"),
        max_length=cases.NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why the statement is not published; the carrier sees it, the public does not."
        ),
    )


@admin.register(CarrierStatement)
class CarrierStatementAdmin(admin.ModelAdmin):
    list_display = ["place", "carrier", "status", "due_date", "review", "written_at"]
    list_filter = ["review", CarrierFilter, "status"]
    list_select_related = ["case__place__parent"]
    search_fields = ["case__place__name"]
    date_hierarchy = "written_at"
    show_full_result_count = False
    actions = ["approve_and_publish", "do_not_publish"]
    fields = [
        "place",
        "carrier",
        "status",
        "due_date",
        "statement",
        "written_at",
        "review",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "published_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # Pending first: they wait for the organizer.
        pending_first = Case(
            When(review=CarrierStatement.Review.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        found = self.model._default_manager.get_queryset().annotate(pending_first=pending_first)
        return found.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["pending_first", "-written_at", "-id"]

    def has_add_permission(self, request):
        return False  # statements come from the carrier's desk

    def has_change_permission(self, request, obj=None):
        return False  # the carrier's words are not the organizer's to edit

    def has_delete_permission(self, request, obj=None):
        return False  # a published statement stays on the record

    def has_approve_permission(self, request):
        return request.user.has_perm(cases.APPROVE_PERMISSION)

    @admin.display(description=_("place"), ordering="case__place__name")
    def place(self, statement):
        return str(statement.case.place)

    @admin.display(description=_("carrier"), ordering="case__carrier")
    def carrier(self, statement):
        return statement.case.carrier_name

    @admin.display(description=_("public statement"))
    def statement(self, statement):
        # Verbatim: escaped, line breaks kept, no Markdown.
        return format_html(
            '<div class="carrier-statement-text">{}</div>',
            mark_safe(linebreaks(statement.text, autoescape=True)),  # noqa: S308 escaped
        )

    @admin.action(description=_("Approve and publish"), permissions=["approve"])
    def approve_and_publish(self, request, queryset):
        done, skipped = 0, 0
        # Oldest first: the newest approved statement is the place's status.
        for statement in queryset.select_related("case").order_by("written_at", "id"):
            try:
                cases.statement_approve(statement=statement, user=request.user)
                done += 1
            except cases.StatementRefused:
                skipped += 1
        self._report(request, done, skipped)

    @admin.action(
        description=_("Do not publish (with a note to the carrier)"), permissions=["approve"]
    )
    def do_not_publish(self, request, queryset):
        form = RejectForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            done, skipped = 0, 0
            for statement in queryset:
                try:
                    cases.statement_reject(
                        statement=statement, user=request.user, note=form.cleaned_data["note"]
                    )
                    done += 1
                except cases.StatementRefused:
                    skipped += 1
            self._report(request, done, skipped)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Do not publish"),
            "statements": queryset.select_related("case__place__parent"),
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, REJECT_TEMPLATE, context)

    def _report(self, request, done: int, skipped: int) -> None:
        if done:
            self.message_user(
                request,
                ngettext("%(n)d statement reviewed.", "%(n)d statements reviewed.", done)
                % {"n": done},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d statement had been reviewed already and was left as it was.",
                    "%(n)d statements had been reviewed already and were left as they were.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )
