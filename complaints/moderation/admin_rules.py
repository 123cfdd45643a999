"""Back office of the auto-publish rules: organizers make them, switch them on and run them
now; moderators have no permission on them (migration 0018)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from complaints.backoffice.hardening import HardenedAdmin
from complaints.models import AutoPublishRule
from complaints.moderation.rules import (
    auto_publish,
    rule_conditions,
    rule_risks,
    with_published_counts,
)


class AutoPublishRuleForm(forms.ModelForm):
    class Meta:
        model = AutoPublishRule
        fields = [
            "name",
            "is_active",
            "min_age_minutes",
            "without_description",
            "not_duplicate",
            "not_in_burst",
            "only_email_confirmed",
            "include_imported",
        ]
        help_texts = {
            "name": _(
                "Recorded with every report the rule publishes. Decisions keep the name the "
                "rule had when they were made: after a rename, the count starts anew."
            ),
            "is_active": _(
                "Only active rules publish: every few minutes (manage.py auto_publish), or "
                "now with “Run the active rules now” on the list of rules."
            ),
            "without_description": _(
                "Only reports without any text: a text needs a person to read it."
            ),
            "not_duplicate": _(
                "Only reports that are not marked as a possible duplicate of another report "
                "and of which no other report is marked as a possible duplicate."
            ),
            "not_in_burst": _(
                "Only reports outside a burst: many reports from one network, from one email "
                "domain or with near-identical texts within a short time."
            ),
            "only_email_confirmed": _("Only reports whose sender has confirmed the email address."),
            "include_imported": _(
                "Also reports collected elsewhere and imported; otherwise only reports sent "
                "with the form."
            ),
        }


# A page asks the rules for at most this many chunks of reports (CHUNK each) per rule, so that
# the answer comes before the server's timeout; the next run (cron) goes on.
PAGE_CHUNKS = 4
UNFINISHED = _(
    "More reports may meet the rules than one page handles at once: the counts above are the "
    "first ones. The next run (every few minutes, manage.py auto_publish) goes on."
)


@admin.register(AutoPublishRule)
class AutoPublishRuleAdmin(HardenedAdmin, admin.ModelAdmin):
    form = AutoPublishRuleForm
    list_display = ["name", "is_active", "conditions", "published"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    readonly_fields = ["published"]
    fieldsets = [
        (None, {"fields": ["name", "is_active", "published"]}),
        (
            _("Conditions"),
            {
                "description": _(
                    "A rule publishes a pending report only when every condition set here "
                    "holds. Reports a moderator has open at the desk are left to them."
                ),
                "fields": [
                    "min_age_minutes",
                    "without_description",
                    "not_duplicate",
                    "not_in_burst",
                    "only_email_confirmed",
                    "include_imported",
                ],
            },
        ),
    ]
    actions = ["run_selected", "count_selected"]

    def get_queryset(self, request):
        return with_published_counts(super().get_queryset(request))

    @admin.display(description=_("conditions"))
    def conditions(self, obj):
        return "; ".join(rule_conditions(obj))

    @admin.display(description=_("reports published"), ordering="published")
    def published(self, obj):
        return getattr(obj, "published", 0)

    @admin.display(description=_("reports published"), ordering="published")
    def published_decisions(self, obj):
        """The count, linked to its decisions (their list filters by rule and undone)."""
        if not obj.published:
            return 0
        query = urlencode({"rule": obj.name, "undone": "no"})
        url = reverse("admin:complaints_moderationdecision_changelist")
        return format_html('<a href="{}?{}">{}</a>', url, query, obj.published)

    def get_list_display(self, request):
        # The decisions are the organizer's to read (view_moderationdecision), not everyone's.
        if request.user.has_perm("complaints.view_moderationdecision"):
            return ["name", "is_active", "conditions", "published_decisions"]
        return super().get_list_display(request)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        risks = rule_risks(obj) if obj.is_active else []
        if risks:
            self.message_user(
                request,
                gettext("“%(name)s” is on and publishes unread: %(risks)s.")
                % {"name": obj.name, "risks": "; ".join(risks)},
                messages.WARNING,
            )

    # -- running the rules now ----------------------------------------------------------------

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_run"
        view = self.admin_site.admin_view(require_POST(self.run_view))
        return [path("run/", view, name=name), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def run_view(self, request):
        """The list's buttons: run the active rules now, or count what they would publish."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        dry_run = "dry_run" in request.POST
        self._report(request, auto_publish(dry_run=dry_run, max_chunks=PAGE_CHUNKS), dry_run)
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    @admin.action(description=_("Run the selected rules now"), permissions=["change"])
    def run_selected(self, request, queryset):
        counts = auto_publish(rules=queryset, max_chunks=PAGE_CHUNKS)
        self._report(request, counts, dry_run=False, selected=True)
        self._report_inactive(request, queryset)

    @admin.action(
        description=_("Count what the selected rules would publish now"), permissions=["change"]
    )
    def count_selected(self, request, queryset):
        # Switched-off rules too: counting is how a rule is tried before it is switched on.
        counts = auto_publish(rules=queryset, dry_run=True, max_chunks=PAGE_CHUNKS)
        self._report(request, counts, dry_run=True, selected=True)

    def _report(self, request, counts: dict[str, int], dry_run: bool, selected=False) -> None:
        if not counts and not selected:  # selected rules that are off: _report_inactive says so
            self.message_user(
                request, gettext("No rule is active: nothing was published."), messages.WARNING
            )
        for name, count in counts.items():
            if dry_run:
                text = ngettext(
                    "“%(name)s” would publish %(count)d report now.",
                    "“%(name)s” would publish %(count)d reports now.",
                    count,
                )
            else:
                text = ngettext(
                    "“%(name)s” published %(count)d report.",
                    "“%(name)s” published %(count)d reports.",
                    count,
                )
            self.message_user(request, text % {"name": name, "count": count}, messages.SUCCESS)
        if not getattr(counts, "complete", True):
            self.message_user(request, UNFINISHED, messages.WARNING)

    def _report_inactive(self, request, queryset) -> None:
        for name in queryset.filter(is_active=False).values_list("name", flat=True):
            self.message_user(
                request,
                gettext("“%(name)s” is switched off and was not run.") % {"name": name},
                messages.WARNING,
            )
