"""Back-office pages of the moderation models: rejection reasons and decisions; and the
counts the index shows the moderators (EinzelfallAdminSite.index_panels)."""

import datetime
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.backoffice.mixins import ReadOnlyAdmin
from complaints.models import (
    AutoPublishRule,
    Complaint,
    ModerationDecision,
    RejectionReason,
    Status,
)
from complaints.moderation import selectors
from complaints.moderation.filters import StatusFilter, YesNoFilter


def _rejections(field: str):
    """How many rows of Complaint (or ModerationDecision) have this reason in `field`: a
    subquery over that field's index, so that the list can sort by it."""
    model = Complaint if field == "rejection_reason" else ModerationDecision
    counted = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    """The organizer's reasons (moderators read them, as migration 0018 grants): order,
    rename, deactivate; a reason that was used is kept, for the count and the history."""

    list_display = ["name_de", "name_en", "position", "is_active", "rejections"]
    list_display_links = ["name_de", "name_en"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    fields = ["name_de", "name_en", "position", "is_active"]

    def get_changelist_form(self, request, **kwargs):
        # The list's boxes are named by their column in the table head only, which no screen
        # reader ties to them: each gets its column's and its reason's name.
        base = super().get_changelist_form(request, **kwargs)

        class Labelled(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                for field in self.fields.values():
                    if not field.widget.is_hidden:
                        label = f"{field.label}: {self.instance.name}"
                        field.widget.attrs.setdefault("aria-label", label)

        return Labelled

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(rejection_count=_rejections("rejection_reason"))
        )

    @admin.display(description=_("rejected reports"), ordering="rejection_count")
    def rejections(self, obj):
        url = reverse("admin:complaints_complaint_changelist")
        query = urlencode({StatusFilter.parameter_name: Status.REJECTED, "reason": obj.pk})
        return format_html('<a href="{}?{}">{}</a>', url, query, obj.rejection_count)

    def get_deleted_objects(self, objs, request):
        # A used reason is protected (the reports and decisions keep it): say so in a few
        # words instead of Django's list of related rows, and name the way out.
        ids = [obj.pk for obj in objs]
        used = Complaint.objects.filter(rejection_reason__in=ids).count()
        decided = ModerationDecision.objects.filter(Q(reason__in=ids) | Q(reason_before__in=ids))
        if not used and not decided.exists():
            return super().get_deleted_objects(objs, request)
        protected = [
            ngettext(
                "%(count)d rejected report has this reason.",
                "%(count)d rejected reports have this reason.",
                used,
            )
            % {"count": used},
            _(
                "A reason that was used cannot be deleted. Deactivate it instead: it is then "
                "no longer offered, and the reports and decisions keep it."
            ),
        ]
        return [], {}, set(), protected


class RuleFilter(admin.SimpleListFilter):
    title = _("decided by")
    parameter_name = "rule"
    PERSON = "-"

    def lookups(self, request, model_admin):
        names = AutoPublishRule.objects.values_list("name", flat=True)
        return [(self.PERSON, _("a person")), *((name, name) for name in names)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.PERSON:
            return queryset.filter(rule="")
        if value:
            return queryset.filter(rule=value)
        return queryset


class UndoneFilter(YesNoFilter):
    title = _("undone")
    parameter_name = "undone"
    condition = Q(undone_at__isnull=False)


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Every decision, by a person or a rule, for the organizer (view_moderationdecision)."""

    list_display = [
        "decided_at",
        "report",
        "status",
        "reason",
        "decided_by",
        "via",
        "undone_at",
    ]
    list_filter = [
        ("decided_at", admin.DateFieldListFilter),
        "via",
        "status",
        RuleFilter,
        UndoneFilter,
    ]
    list_select_related = ["moderator", "reason"]
    list_per_page = 100
    show_full_result_count = False
    fields = ["decided_at", "report", "status", "reason", "decided_by", "via", "undone_at"]
    readonly_fields = fields

    @admin.display(description=_("complaint"), ordering="complaint")
    def report(self, obj):
        url = reverse("admin:complaints_complaint_change", args=[obj.complaint_id])
        return format_html('<a href="{}">#{}</a>', url, obj.complaint_id)

    @admin.display(description=_("decided by"))
    def decided_by(self, obj):
        if obj.rule:
            return _("rule: %(name)s") % {"name": obj.rule}
        return obj.moderator or ""


def index_panel(request) -> dict:
    """The index's moderation module: counts, each with its list, and the desk."""
    user = request.user
    if not user.has_perm("complaints.view_complaint"):
        return {}  # carriers see no report, nor how many there are
    counts = selectors.queue_counts()
    queue = reverse("admin:complaints_complaint_changelist")
    rows = [
        ("pending", _("Pending reports"), counts.pending, queue),
        ("decided", _("Decided today"), counts.decided_today, _decided_today_url(user)),
        (
            "unmatched",
            _("Unmatched place names"),
            counts.unmatched_names,
            reverse("admin:complaints_unmatchedplacename_changelist"),
        ),
        (
            "duplicates",
            _("Possible duplicates (pending)"),
            counts.duplicates,
            queue + "?duplicate=yes",
        ),
    ]
    desk = ""
    if user.has_perm("complaints.change_complaint"):
        try:
            desk = reverse("admin:complaints_complaint_desk")
        except NoReverseMatch:  # the desk is registered by complaints/moderation/views.py
            desk = ""
    return {
        "moderation_counts": [
            {"key": key, "label": label, "count": count, "url": url}
            for key, label, count, url in rows
        ],
        "count_cap": selectors.COUNT_CAP,
        "desk_url": desk,
    }


def _decided_today_url(user) -> str:
    # The decisions' list, filtered as its own "Today" link does; for those who may see it.
    if not user.has_perm("complaints.view_moderationdecision"):
        return ""
    midnight = selectors.local_midnight()
    tomorrow = midnight + datetime.timedelta(days=1)
    query = {"decided_at__gte": str(midnight), "decided_at__lt": str(tomorrow), "undone": "no"}
    return reverse("admin:complaints_moderationdecision_changelist") + "?" + urlencode(query)
