"""The organizer's campaign pages in the back office: updates (German and English), the goal
and the status of places."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints import caches, selectors
from complaints.backoffice.hardening import HardenedAdmin
from complaints.backoffice.mixins import RefreshAfterCommit
from complaints.backoffice.widgets import LabelledSplitDateTime
from complaints.campaign import newsletter
from complaints.campaign import selectors as campaign_selectors
from complaints.models import CampaignGoal, CampaignUpdate, PlaceStatus

# (title field, text field, the language's name) of each language an update can be written in.
LANGUAGE_FIELDS = [
    ("title", "body", _("German")),
    ("title_en", "body_en", _("English")),
]


class CampaignUpdateForm(forms.ModelForm):
    class Meta:
        model = CampaignUpdate
        fields = [
            *("title", "title_en", "body", "body_en"),
            *("kind", "is_published", "published_at", "slug"),
        ]

    def clean(self):
        """At least one language with a title and a text; a title without its text (or the
        reverse) would show half an update, so it is refused, next to the missing field."""
        cleaned = super().clean()
        written = 0
        for title_field, body_field, language in LANGUAGE_FIELDS:
            title = (cleaned.get(title_field) or "").strip()
            body = (cleaned.get(body_field) or "").strip()
            if title and not body:
                self.add_error(
                    body_field,
                    ValidationError(
                        _("Write the text in %(language)s too, or leave its title empty."),
                        code="title_without_text",
                        params={"language": language},
                    ),
                )
            elif body and not title:
                self.add_error(
                    title_field,
                    ValidationError(
                        _("Give the %(language)s text a title, or leave the text empty."),
                        code="text_without_title",
                        params={"language": language},
                    ),
                )
            written += bool(title and body)
        if not written and not self.errors:
            # On the German title: its error also spares the database constraint's message.
            self.add_error(
                "title",
                ValidationError(
                    _("Write a title and a text in German, in English or in both."),
                    code="no_language",
                ),
            )
        return cleaned


@admin.register(CampaignUpdate)
class CampaignUpdateAdmin(HardenedAdmin, RefreshAfterCommit, admin.ModelAdmin):
    form = CampaignUpdateForm
    list_display = [
        "__str__",
        "languages",
        "kind",
        "published_at",
        "is_published",
        "newsletter_queued_at",
        "public_link",
    ]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "title_en", "body", "body_en"]
    date_hierarchy = "published_at"
    # German and English next to each other: one row per field, a language per column.
    fieldsets = [
        (None, {"fields": ["kind", "is_published", "published_at", "slug"]}),
        (
            _("Text"),
            {
                "fields": [("title", "title_en"), ("body", "body_en")],
                "description": _(
                    "German, English or both: a page shows its own language's text, and the "
                    "other one where its own is not written."
                ),
            },
        ),
    ]
    readonly_fields = ["newsletter_queued_at"]

    class Media:
        css = {"all": ["css/admin-campaign.css"]}  # the two languages' columns

    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}
    actions = ["send_as_newsletter"]

    # The landing page caches the latest updates briefly: a change shows at once.
    refresh = staticmethod(caches.updates_changed)

    def public_url(self, obj):
        # A draft or a post scheduled for later is not public yet: not even its address.
        if campaign_selectors.published_updates().filter(pk=obj.pk).exists():
            return obj.get_absolute_url()
        return None

    @admin.display(description=_("languages"))
    def languages(self, obj):
        return " · ".join(
            code for code, title in (("DE", obj.title), ("EN", obj.title_en)) if title
        )

    @admin.display(description=_("on the site"))
    def public_link(self, obj):
        if not obj.is_published:
            return "-"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("show"))

    @admin.action(description=_("Send as newsletter"), permissions=["change"])
    def send_as_newsletter(self, request, queryset):
        """Queues the chosen updates that the public sees (published and due) and that were
        not queued before; manage.py send_digests sends them to the followers who asked."""
        chosen = queryset.count()
        public = queryset.filter(pk__in=campaign_selectors.published_updates().values("pk"))
        queued = newsletter.queue(public)
        message = ngettext(
            "%(count)d update was queued as a newsletter.",
            "%(count)d updates were queued as a newsletter.",
            queued,
        ) % {"count": queued}
        if queued < chosen:
            message += " " + ngettext(
                "%(count)d was not: a draft, scheduled for later or queued before.",
                "%(count)d were not: drafts, scheduled for later or queued before.",
                chosen - queued,
            ) % {"count": chosen - queued}
        self.message_user(request, message, messages.SUCCESS if queued else messages.WARNING)


@admin.register(CampaignGoal)
class CampaignGoalAdmin(HardenedAdmin, RefreshAfterCommit, admin.ModelAdmin):
    list_display = ["target", "milestone_every", "is_active", "created_at", "progress"]
    list_filter = ["is_active"]
    fields = ["target", "milestone_every", "is_active"]

    # The landing page caches the goal: a new or changed one shows at once.
    refresh = staticmethod(caches.goal_changed)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        # The public counter (cached): the same number the landing page measures against.
        count = number_format(selectors.public_counter(), force_grouping=True)
        return f"{count} / {number_format(obj.target, force_grouping=True)}"


@admin.register(PlaceStatus)
class PlaceStatusAdmin(HardenedAdmin, RefreshAfterCommit, admin.ModelAdmin):
    list_display = ["place", "status", "date", "note"]
    list_filter = ["status", "place__kind"]
    list_select_related = ["place", "place__parent"]
    search_fields = ["place__name", "note"]
    date_hierarchy = "date"
    autocomplete_fields = ["place"]
    fields = ["place", "status", "date", "note"]

    # The city pages and open data show the statuses: the cached evaluation is rebuilt.
    refresh = staticmethod(caches.published_changed)
