"""Admin for places: the gazetteer, aliases, merging, and the queue of unmatched names."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import matching, services
from .models import Complaint, Place, PlaceAlias, UnmatchedPlaceName
from .placenames import name_key

# How many groups of unmatched names one page of the queue shows.
UNMATCHED_PAGE_SIZE = 100


class PlaceAliasInline(admin.TabularInline):
    model = PlaceAlias
    fields = ["name", "key", "source"]
    readonly_fields = ["key"]
    extra = 1


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "state", "population", "slug"]
    list_filter = ["kind", "state"]
    list_select_related = ["parent"]
    search_fields = ["name", "aliases__name", "slug"]
    ordering = ["-population", "name"]
    readonly_fields = ["source_key", "complaint_count"]
    fields = [
        "name",
        "slug",
        "kind",
        "parent",
        "state",
        "population",
        "latitude",
        "longitude",
        "source_key",
        "complaint_count",
    ]
    autocomplete_fields = ["parent"]
    inlines = [PlaceAliasInline]
    actions = ["merge_places"]

    def get_queryset(self, request):
        # Merged places are tombstones: out of every list, search and autocomplete.
        return super().get_queryset(request).filter(merged_into__isnull=True)

    @admin.display(description=_("complaints"))
    def complaint_count(self, obj):
        if obj.pk is None:
            return 0
        field = "city_place" if obj.kind == Place.Kind.CITY else "district_place"
        return Complaint.objects.filter(**{field: obj}).count()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(matching.invalidate)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(matching.invalidate)

    @admin.action(description=_("Merge selected places into one"), permissions=["change"])
    def merge_places(self, request, queryset):
        places = list(queryset.select_related("parent"))
        if len(places) < 2:
            self.message_user(request, _("Select at least two places to merge."), messages.WARNING)
            return None
        if len({p.kind for p in places}) > 1:
            self.message_user(
                request, _("Cities and districts cannot be merged with each other."), messages.ERROR
            )
            return None
        target_id = request.POST.get("target", "")
        if request.POST.get("post") == "yes" and target_id.isdigit():
            target = next((p for p in places if p.pk == int(target_id)), None)
            if target is None:
                self.message_user(request, _("Choose one of the selected places."), messages.ERROR)
                return None
            moved = 0
            try:
                for source in places:
                    if source.pk != target.pk:
                        moved += services.places_merge(
                            source=source, target=target, moderator=request.user
                        )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "Merged into %(target)s; %(count)d complaint moved.",
                    "Merged into %(target)s; %(count)d complaints moved.",
                    moved,
                )
                % {"target": target, "count": moved},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge places"),
            "places": sorted(places, key=lambda p: -(p.population or 0)),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/place/merge.html", context)


class AssignForm(forms.Form):
    raw_key = forms.CharField(widget=forms.HiddenInput)
    place = forms.ModelChoiceField(
        queryset=Place.objects.filter(merged_into__isnull=True),
        label=_("Place"),
        widget=AutocompleteSelect(Complaint._meta.get_field("city_place"), admin.site),
    )


@admin.register(UnmatchedPlaceName)
class UnmatchedPlaceNameAdmin(admin.ModelAdmin):
    """Raw city names that matched no place, with how many complaints use each, and a form
    to assign each to a place (which also teaches the matcher the name)."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("complaints.view_complaint")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("complaints.change_complaint")

    def get_urls(self):
        from django.urls import path

        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.queue_view), name=name)]

    def queue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._assign(request)
        groups = unmatched_groups()
        shown = groups[:UNMATCHED_PAGE_SIZE]
        for group in shown:
            group["form"] = AssignForm(
                initial={"raw_key": group["key"]}, prefix=f"g{group['index']}"
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Unmatched place names"),
            "opts": self.model._meta,
            "groups": shown,
            "more": len(groups) - len(shown),
            "can_assign": self.has_change_permission(request),
            "media": self.media + AssignForm().media,
        }
        return TemplateResponse(request, "admin/complaints/unmatched_queue.html", context)

    def _assign(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        prefix = request.POST.get("prefix", "")
        form = AssignForm(request.POST, prefix=prefix)
        if not form.is_valid():
            self.message_user(request, _("Choose a place to assign the name to."), messages.ERROR)
            return redirect(request.path)
        raw_key, place = form.cleaned_data["raw_key"], form.cleaned_data["place"]
        changed = services.place_assign_raw_name(
            raw_key=raw_key, place=place, moderator=request.user
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d complaint assigned to %(place)s; the name will match from now on.",
                "%(count)d complaints assigned to %(place)s; the name will match from now on.",
                changed,
            )
            % {"count": changed, "place": place},
            messages.SUCCESS,
        )
        return redirect(request.path)


def unmatched_groups() -> list[dict]:
    """Unmatched raw city names grouped by matching key, most used first.

    One GROUP BY over the (partially indexed) unmatched complaints; the grouping by key
    happens here because the key is computed in Python."""
    rows = (
        Complaint.objects.filter(city_place__isnull=True)
        .values_list("city")
        .annotate(n=Count("id"))
        .order_by()
    )
    groups: dict[str, dict] = {}
    for raw, count in rows:
        key = name_key(raw)
        group = groups.setdefault(key, {"key": key, "names": [], "count": 0})
        group["names"].append(raw)
        group["count"] += count
    ordered = sorted(groups.values(), key=lambda g: (-g["count"], g["key"]))
    for index, group in enumerate(ordered):
        group["index"] = index
        group["names"].sort()
    return ordered
