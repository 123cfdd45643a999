import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportMixin

from complaints import caches, services
from complaints.backoffice.hardening import PERSONAL_PERMISSION, HardenedAdmin
from complaints.backoffice.mixins import RefreshAfterCommit
from complaints.carrier import (  # noqa: F401  (registrations)
    accounts_admin,
    api_keys_admin,
    cases_admin,
    desk_admin,
)
from complaints.carrier.admin import downloads_view
from complaints.carrier.imports import (
    ImportRefused,
    LegacyComplaintResource,
    LegacyCSV,
    LegacyXLSX,
    ShortCacheStorage,
)
from complaints.models import Complaint, ProblemType, Status
from complaints.moderation import bulk
from complaints.moderation.admin import index_panel
from complaints.moderation.burst_views import burst_urls
from complaints.moderation.filters import (
    CarrierFilter,
    CityFilter,
    DuplicateFilter,
    EmailConfirmedFilter,
    HasDescriptionFilter,
    ImportedFilter,
    ReasonFilter,
    StatusFilter,
)
from complaints.moderation.forms import ComplaintAdminForm
from complaints.moderation.selectors import CappedPaginator
from complaints.moderation.views import desk_urls

# Personal data: only users with complaints.view_personal_data (organizers) see these fields,
# search them or filter by them. Moderators moderate without them, with the redacted
# description (which they can correct); carriers see no complaint at all.
PERSONAL_FIELDS = {"email", "reference", "description", "followup_comment"}
# Neither filtered nor searched by without the permission: whether and when someone left an
# address or asked for a follow-up, and the hash of their address, single people out too.
PERSONAL_LOOKUPS = frozenset(
    PERSONAL_FIELDS
    | {"ip_hash", "email_confirmed_at", "followup_consent", "followup_sent_at"}
    | {"followup_unsubscribed_at", "followup_answer", "followup_answered_at", "language"}
    # The forensics keys group a sender's reports as the address hash does.
    | {"network_hash", "email_domain_hash", "description_fingerprint"}
)
admin.site.index_template = "admin/einzelfall_index.html"
# The queue's counts and the desk's link where the organizer starts (complaints/moderation).
admin.site.index_panels["moderation"] = index_panel
logger = logging.getLogger(__name__)

IMPORT_REFUSALS = {
    "gone": _(
        "The uploaded file is no longer there (more than an hour old, or imported). Nothing "
        "was imported now; please upload it again if needed."
    ),
    "taken": _(
        "This file has already been imported (or is being imported right now). Nothing was "
        "imported again; to import its rows once more, change the file."
    ),
}


def imported_message(result) -> str:
    count = result.totals.get("new", 0)
    return ngettext(
        "%(count)d report was imported into the moderation queue.",
        "%(count)d reports were imported into the moderation queue.",
        count,
    ) % {"count": count}


@admin.register(Complaint)
class ComplaintAdmin(HardenedAdmin, ImportMixin, RefreshAfterCommit, admin.ModelAdmin):
    form = ComplaintAdminForm
    personal_fields = PERSONAL_LOOKUPS
    # Deleting refreshes the stats; saving (complaint_save_by_moderator) only when it changes
    # what is published.
    # Legacy data: an import with a dry-run preview, all or nothing (complaints/carrier/imports/).
    resource_classes = [LegacyComplaintResource]
    import_template_name = "admin/complaints/complaint/import.html"
    # The import's list template with the moderation desk's link.
    import_export_change_list_template = "admin/complaints/complaint/change_list.html"

    def delete_model(self, request, obj):
        # A published report deleted here is withdrawn for the carrier's mirror, as when its
        # submitter deletes it (the admin runs this inside its transaction).
        services.withdrawals_record([obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.withdrawals_record(queryset)
        super().delete_queryset(request, queryset)

    import_formats = [LegacyCSV, LegacyXLSX]

    list_display = [
        "id",
        "submitted_at",
        "status",
        "city",
        "district",
        "matched_place",
        "problem_list",
        "text",
        "technology",
        "frequency",
        "carrier",
        "duplicate",
        "decided_by",
    ]
    list_display_links = ["id", "submitted_at"]
    list_filter = [
        StatusFilter,
        "problems",
        CarrierFilter,
        "technology",
        CityFilter,
        ("submitted_at", admin.DateFieldListFilter),
        "made_offline",
        HasDescriptionFilter,
        ImportedFilter,
        EmailConfirmedFilter,
        DuplicateFilter,
        ReasonFilter,
    ]
    # Oldest first: what waits longest is decided first (the pending partial index's order).
    ordering = ["submitted_at", "id"]
    list_select_related = ["moderated_by", "city_place", "district_place"]
    list_per_page = 100
    search_fields = ["city", "district", "description", "description_redacted", "email"]
    date_hierarchy = "submitted_at"
    # "View on site" would open the submitter's private link.
    view_on_site = False
    # COUNT(*) over the whole table on every page view does not scale to a viral campaign,
    # nor does an exact count of a long queue: counted up to 10,000.
    show_full_result_count = False
    paginator = CappedPaginator
    actions = ["publish", "reject", "mark_spam"]
    readonly_fields = [
        "duplicate",
        "imported",
        "reference",
        "pseudonym",
        "submitted_at",
        "observed_at",
        "made_offline",
        "language",
        "consent_at",
        "privacy_policy_version",
        "moderated_by",
        "moderated_by_rule",
        "moderated_at",
        "followup_consent",
        "followup_sent_at",
        "followup_unsubscribed_at",
        "followup_answer",
        "followup_answered_at",
        "followup_comment",
    ]
    fieldsets = [
        (
            _("Moderation"),
            {
                "fields": [
                    ("status", "rejection_reason"),
                    "decision_shown",
                    "duplicate",
                    "moderation_note",
                    ("moderated_by", "moderated_by_rule"),
                    "moderated_at",
                ]
            },
        ),
        (
            _("Report"),
            {
                "fields": [
                    "carrier",
                    "problems",
                    ("city", "district", "postal_code"),
                    ("city_place", "district_place"),
                    ("technology", "frequency", "location"),
                    "since",
                    ("observed_at", "made_offline", "submitted_at"),
                    "description",
                    "description_redacted",
                    "description_redacted_shown",
                ]
            },
        ),
        (
            _("Submitter (personal data)"),
            {"fields": ["email", "language", "consent_at", "privacy_policy_version", "imported"]},
        ),
        (
            _("Follow-up"),
            {
                "classes": ["collapse"],
                "fields": [
                    "followup_consent",
                    ("followup_sent_at", "followup_unsubscribed_at"),
                    ("followup_answer", "followup_answered_at"),
                    "followup_comment",
                ],
            },
        ),
        (_("Identifiers"), {"classes": ["collapse"], "fields": ["reference", "pseudonym"]}),
    ]

    def has_add_permission(self, request):
        # Complaints come from the public form (and imports), with consent recorded.
        return False

    def process_import(self, request, **kwargs):
        """The confirmed import, told as it happened: what happened is looked up (is the upload
        there, has another confirmation taken it, did the import return committed rows), never
        guessed from the type of an exception."""
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)  # shows the form's errors
        upload = ShortCacheStorage(name=confirm_form.cleaned_data["import_file_name"])
        claim = upload.claim()
        if claim is not ShortCacheStorage.CLAIMED:
            messages.error(request, IMPORT_REFUSALS[claim])
            return redirect("admin:complaints_complaint_import")
        request.import_result = None  # set by process_dataset once the import has returned
        try:
            response = super().process_import(request, **kwargs)
        except Exception:
            result = request.import_result
            if result is None or result.has_errors() or result.has_validation_errors():
                logger.exception("A confirmed import failed; nothing was stored")
                upload.release()  # the file stays: the same confirmation may be tried again
                messages.error(
                    request,
                    _(
                        "Nothing was imported: an error occurred. The file is kept for an hour; "
                        "please try again."
                    ),
                )
                return redirect("admin:complaints_complaint_import")
            # The rows are committed; a step after it failed (a message, the cache). The
            # claim stays, so confirming once more cannot import them twice.
            logger.exception("An import was stored; a step after its commit failed")
            upload.imported()
            messages.success(request, imported_message(result))
            return redirect("admin:complaints_complaint_changelist")
        result = request.import_result
        if result is None or result.has_errors() or result.has_validation_errors():
            upload.release()  # nothing stored (process_result said so): it may come again
        else:
            upload.imported()
        return response

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        upload = request.FILES.get("import_file")
        if request.method == "POST" and upload is not None:
            upload.seek(0)
            when = ShortCacheStorage.imported_at(b"".join(upload.chunks()))
            if when is not None:
                messages.warning(
                    request,
                    _(
                        "This file was imported on %(date)s. Confirming it again imports "
                        "nothing; to import its rows once more, change the file."
                    )
                    % {"date": date_format(timezone.localtime(when), "DATETIME_FORMAT")},
                )
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportRefused):  # an absurd shape: the message says which
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_dataset(self, dataset, form, request, **kwargs):
        result = super().process_dataset(dataset, form, request, **kwargs)
        request.import_result = result
        return result

    def add_success_message(self, result, request):
        messages.success(request, imported_message(result))

    def process_result(self, result, request):
        # django-import-export reports a confirmed import as done without looking: one that
        # failed now (the preview was fine; the database refused a row) stored nothing.
        if result.has_errors() or result.has_validation_errors():
            errors = [e.error for e in result.base_errors]
            errors += [e.error for _, row in result.row_errors() for e in row]
            errors += [row.error for row in result.invalid_rows]
            first = str(errors[0]).splitlines()[0] if errors else ""
            messages.error(
                request,
                _("Nothing was imported: %(error)s") % {"error": first},
            )
            return redirect("admin:complaints_complaint_import")
        return super().process_result(result, request)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm(PERSONAL_PERMISSION):
            return fieldsets
        hidden = PERSONAL_FIELDS
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_urls(self):
        downloads = path(
            "downloads/",
            self.admin_site.admin_view(lambda request: downloads_view(request, self)),
            name="complaints_complaint_downloads",
        )
        # Before the admin's own: its "<object_id>/" pattern would take "desk/" for an id.
        return [downloads, *desk_urls(self), *burst_urls(self), *super().get_urls()]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("problems")

    autocomplete_fields = ["city_place", "district_place"]

    @admin.display(description=_("matched place"))
    def matched_place(self, obj):
        if obj.city_place is None:
            return format_html('<span class="unmatched">{}</span>', _("unmatched"))
        if obj.district_place is not None:
            return f"{obj.city_place.name}, {obj.district_place.name}"
        return obj.city_place.name

    @admin.display(description=_("possible duplicate of"))
    def duplicate(self, obj):
        if obj.duplicate_of_id is None:
            return ""
        url = reverse("admin:complaints_complaint_change", args=[obj.duplicate_of_id])
        return format_html('<a href="{}">#{}</a>', url, obj.duplicate_of_id)

    @admin.display(description=_("problems"))
    def problem_list(self, obj):
        return ", ".join(problem.name for problem in obj.problems.all())

    @admin.display(description=_("description (redacted)"))
    def text(self, obj):
        # The redacted text only (the original is personal data), whole in the tooltip.
        full = obj.description_redacted
        if not full:
            return ""
        return format_html('<span title="{}">{}</span>', full, Truncator(full).chars(120))

    @admin.display(description=_("moderated by"), ordering="moderated_by")
    def decided_by(self, obj):
        # An automatic rule decided when no person did: its name, said as such.
        if obj.moderated_by_id is None and obj.moderated_by_rule:
            return _("rule: %(name)s") % {"name": obj.moderated_by_rule}
        return obj.moderated_by or ""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "carrier":
            return forms.ChoiceField(
                label=db_field.verbose_name,
                choices=list(settings.EINZELFALL_CARRIERS.items()),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "problems":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.complaint_save_by_moderator(
            complaint=obj,
            changed_fields=form.changed_data,
            moderator=request.user,
            stored_redacted=form.initial.get("description_redacted") or "",
            shown_fingerprint=form.cleaned_data.get("description_redacted_shown") or "",
        )

    @admin.action(description=_("Publish selected complaints"), permissions=["change"])
    def publish(self, request, queryset):
        return bulk.decide(self, request, queryset, Status.PUBLISHED, "publish")

    @admin.action(description=_("Reject selected complaints"), permissions=["change"])
    def reject(self, request, queryset):
        return bulk.decide(self, request, queryset, Status.REJECTED, "reject")

    @admin.action(description=_("Mark selected complaints as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        return bulk.decide(self, request, queryset, Status.SPAM, "mark_spam")


@admin.register(ProblemType)
class ProblemTypeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_de", "name_en", "position", "is_active"]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"slug": ["name_en"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        caches.after_commit(caches.published_changed)  # names on the stats pages


# The place admins live in their own module; importing it registers them.
from complaints.campaign import admin as admin_campaign  # noqa: E402, F401
from complaints.campaign import follow_admin  # noqa: E402, F401
from complaints.moderation import admin as admin_moderation  # noqa: E402, F401
from complaints.moderation import admin_rules  # noqa: E402, F401
from complaints.places import admin as admin_places  # noqa: E402, F401
