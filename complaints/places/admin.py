"""Admin for places: the gazetteer, aliases, merging, and the queue of unmatched names."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints import caches, text
from complaints.backoffice.hardening import HardenedAdmin, SafeAutocompleteSelect, parse_id
from complaints.models import NOT_COUNTED, Complaint, Place, PlaceAlias, UnmatchedPlaceName
from complaints.places import matching
from complaints.places import services as place_services
from complaints.places.names import name_key

# How many groups of unmatched names one page of the queue shows.
UNMATCHED_PAGE_SIZE = 100


# What the organizer may edit of a place; the rest is the gazetteer's.
EDITABLE = ["name", "slug", "kind", "parent", "state", "ags", "population", "latitude", "longitude"]


class PlaceForm(forms.ModelForm):
    """A place's own fields. Its names reach every page and the carrier's files: without
    control or invisible characters (a leading one hides a formula from a check)."""

    # Longer than 8 here: a key may be typed with spaces ("09 1 62 000"), clean_ags joins it.
    ags = forms.CharField(
        label=Place._meta.get_field("ags").verbose_name,
        required=False,
        max_length=20,
        help_text=_(
            "The official municipality key, 8 digits (a district has its city's). A key "
            "set here stays when the gazetteer is reloaded."
        ),
    )

    class Meta:
        model = Place
        fields = EDITABLE

    def clean_name(self):
        name = text.single_line(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Enter a name with letters."), code="no_key")
        return name

    def clean_state(self):
        return text.single_line(self.cleaned_data["state"])

    def clean_ags(self):
        # As printed in registers: "09 1 62 000" or "09162000".
        ags = "".join(self.cleaned_data["ags"].split())
        if ags and not (len(ags) == 8 and ags.isascii() and ags.isdigit()):
            raise ValidationError(
                _("An AGS has 8 digits, for example 09162000."), code="invalid_ags"
            )
        return ags


class PlaceAliasForm(forms.ModelForm):
    class Meta:
        model = PlaceAlias
        fields = ["name", "source"]

    def clean_name(self):
        name = text.single_line(self.cleaned_data["name"])
        key = name_key(name)
        if not key:
            raise ValidationError(_("Enter a name with letters."), code="no_key")
        place = self.instance.place if self.instance.place_id else None
        if place is not None and place.pk:
            clash = PlaceAlias.objects.filter(place=place, key=key).exclude(pk=self.instance.pk)
            if clash.exists() or name_key(place.name) == key:
                raise ValidationError(
                    _("This place already has the name %(name)s."),
                    code="duplicate",
                    params={"name": name},
                )
        return name


class PlaceAliasFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # A tabular inline names its columns in the table head only, which no screen reader
        # ties to the boxes below: each box gets its column's name.
        for field in form.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("aria-label", field.label)

    def clean(self):
        super().clean()
        keys = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            key = name_key(form.cleaned_data.get("name", ""))
            if key in keys or key == name_key(self.instance.name):
                form.add_error(
                    "name",
                    ValidationError(_("This name is given twice."), code="duplicate"),
                )
            keys.add(key)


class PlaceAliasInline(admin.TabularInline):
    model = PlaceAlias
    form = PlaceAliasForm
    formset = PlaceAliasFormSet
    fields = ["name", "key", "source"]
    readonly_fields = ["key"]
    extra = 1


@admin.register(Place)
class PlaceAdmin(HardenedAdmin, admin.ModelAdmin):
    form = PlaceForm
    list_display = ["name", "kind", "parent", "state", "ags", "population", "slug"]
    list_filter = ["kind", "state"]
    list_select_related = ["parent"]
    search_fields = ["name", "aliases__name", "slug", "=ags"]
    ordering = ["-population", "name"]
    readonly_fields = ["geonames_id", "source_key", "complaint_count"]
    fields = [
        *EDITABLE,
        "geonames_id",
        "source_key",
        "complaint_count",
    ]
    autocomplete_fields = ["parent"]
    inlines = [PlaceAliasInline]
    actions = ["merge_places"]

    def may_edit_places(self, request) -> bool:
        """Whether the user may edit a place's own fields. Moderators (change_place without
        add_place) merge places and edit their other names only: a place's name reaches every
        published page and the carrier's files."""
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def get_readonly_fields(self, request, obj=None):
        if self.may_edit_places(request):
            return self.readonly_fields
        # Read-only fields are not in the form: what a POST sends for them is ignored.
        return [*self.fields]

    def get_queryset(self, request):
        # Merged places are tombstones: out of every list, search and autocomplete. A
        # district's label names its city, hence the join.
        return (
            super().get_queryset(request).filter(merged_into__isnull=True).select_related("parent")
        )

    def save_model(self, request, obj, form, change):
        place_services.place_save(place=obj, changed_fields=form.changed_data, is_new=not change)

    @admin.display(description=_("complaints"))
    def complaint_count(self, obj):
        if obj.pk is None:
            return 0
        field = "city_place" if obj.kind == Place.Kind.CITY else "district_place"
        return Complaint.objects.filter(**{field: obj}).count()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        caches.after_commit(matching.invalidate, caches.published_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        caches.after_commit(matching.invalidate, caches.published_changed)

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
        target_id = parse_id(self.opts.pk, request.POST.get("target", ""))
        if request.POST.get("post") == "yes" and target_id is not None:
            self._merge_into(request, places, target_id)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge places"),
            "places": sorted(places, key=lambda p: -(p.population or 0)),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/place/merge.html", context)

    def _merge_into(self, request, places: list[Place], target_id) -> None:
        """The confirmed merge: every selected place into the chosen one, and a message."""
        target = next((p for p in places if p.pk == target_id), None)
        if target is None:
            self.message_user(request, _("Choose one of the selected places."), messages.ERROR)
            return
        moved = 0
        try:
            for source in places:
                if source.pk != target.pk:
                    moved += place_services.places_merge(
                        source=source, target=target, moderator=request.user
                    )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
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


class AssignForm(forms.Form):
    raw_key = forms.CharField(max_length=200, widget=forms.HiddenInput)
    place = forms.ModelChoiceField(
        queryset=Place.objects.filter(merged_into__isnull=True),
        label=_("Place"),
        widget=SafeAutocompleteSelect(Complaint._meta.get_field("city_place"), admin.site),
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
        paginator = Paginator(UnmatchedGroups(), UNMATCHED_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("p"))
        groups = list(page.object_list)
        for index, group in enumerate(groups):
            group["form"] = AssignForm(initial={"raw_key": group["key"]}, prefix=f"g{index}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Unmatched place names"),
            "opts": self.model._meta,
            "groups": groups,
            "page": page,
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
        try:
            changed = place_services.place_assign_raw_name(
                raw_key=raw_key, place=place, moderator=request.user
            )
        except ValidationError:
            self.message_user(
                request, _("No unmatched complaint has that name any more."), messages.WARNING
            )
            return redirect(request.path)
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


class UnmatchedGroups:
    """Unmatched city names grouped by matching key, most used first, for a Paginator.

    Grouped in the database over the partial index on unmatched complaints' city keys;
    rejected and spam complaints are left out (their place does not matter)."""

    def __init__(self):
        self.queryset = (
            Complaint.objects.filter(city_place__isnull=True)
            .exclude(status__in=NOT_COUNTED)
            .values("city_key")
            .annotate(
                count=Count("id"), example=Min("city"), spellings=Count("city", distinct=True)
            )
            .order_by("-count", "city_key")
        )

    def count(self):
        return self.queryset.values("city_key").distinct().count()

    def __len__(self):
        return self.count()

    def __getitem__(self, item):
        return [
            {
                "key": row["city_key"],
                "name": row["example"],
                "spellings": row["spellings"],
                "count": row["count"],
            }
            for row in self.queryset[item]
        ]
