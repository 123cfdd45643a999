"""The organizer's campaign pages in the back office: updates and the status of places."""

from django.contrib import admin
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints import caches
from complaints.backoffice.hardening import HardenedAdmin
from complaints.backoffice.mixins import RefreshAfterCommit
from complaints.backoffice.widgets import LabelledSplitDateTime
from complaints.campaign import selectors as campaign_selectors
from complaints.models import CampaignUpdate, PlaceStatus


@admin.register(CampaignUpdate)
class CampaignUpdateAdmin(HardenedAdmin, RefreshAfterCommit, admin.ModelAdmin):
    list_display = ["title", "kind", "published_at", "is_published", "public_link"]
    list_filter = ["kind", "is_published"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
    fields = ["title", "kind", "body", "is_published", "published_at", "slug"]
    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}

    # The landing page caches the latest updates briefly: a change shows at once.
    refresh = staticmethod(caches.updates_changed)

    def public_url(self, obj):
        # A draft or a post scheduled for later is not public yet: not even its address.
        if campaign_selectors.published_updates().filter(pk=obj.pk).exists():
            return obj.get_absolute_url()
        return None

    @admin.display(description=_("on the site"))
    def public_link(self, obj):
        if not obj.is_published:
            return "-"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("show"))


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
