"""The moderation queue's list filters."""

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from complaints.backoffice.hardening import parse_id
from complaints.models import Complaint, Place, Status
from einzelfall import cache_keys

# How many of the most reported cities the city filter offers; the search box finds the rest.
CITY_FILTER_SIZE = 25
# The city list is a GROUP BY over the whole table: cached, not repeated on every page.
CITY_FILTER_CACHE_SECONDS = 300


class StatusFilter(admin.SimpleListFilter):
    """Status filter whose default is the moderation queue (pending), with an explicit "All"."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return Status.choices

    def value(self):
        return super().value() or Status.PENDING

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL:
            return queryset
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset.none()

    def choices(self, changelist):
        current = self.value()
        yield {
            "selected": current == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class DuplicateFilter(admin.SimpleListFilter):
    title = _("possible duplicates")
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", _("possible duplicates only"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(duplicate_of__isnull=False)
        return queryset


class CarrierFilter(admin.SimpleListFilter):
    title = _("carrier")
    parameter_name = "carrier"

    def lookups(self, request, model_admin):
        return list(settings.EINZELFALL_CARRIERS.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(carrier=self.value())
        return queryset


class CityFilter(admin.SimpleListFilter):
    """The most reported matched cities with their counts, and the unmatched ones."""

    title = _("city")
    parameter_name = "city"
    UNMATCHED = "unmatched"

    def lookups(self, request, model_admin):
        rows = cache.get(cache_keys.ADMIN_CITY_FILTER)
        if rows is None:
            rows = list(
                Complaint.objects.filter(city_place__isnull=False)
                .values_list("city_place", "city_place__name")
                .annotate(n=Count("id"))
                .order_by("-n", "city_place__name")[:CITY_FILTER_SIZE]
            )
            cache.set(cache_keys.ADMIN_CITY_FILTER, rows, CITY_FILTER_CACHE_SECONDS)
        return [
            (self.UNMATCHED, _("not matched to a known place")),
            *((str(pk), f"{name} ({n})") for pk, name, n in rows),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.UNMATCHED:
            return queryset.filter(city_place__isnull=True)
        place_id = parse_id(Place._meta.pk, value) if value else None
        if place_id is not None:
            return queryset.filter(city_place_id=place_id)
        if value:
            return queryset.none()
        return queryset
