"""The moderation queue's list filters."""

from django.contrib import admin
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from complaints.backoffice.filters import carrier_filter
from complaints.backoffice.hardening import parse_id
from complaints.models import Complaint, Place, RejectionReason, Status, possibly_duplicate
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
            return queryset.filter(possibly_duplicate())
        return queryset


CarrierFilter = carrier_filter()


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


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no filter of its own parameter: `yes` keeps what `condition` selects, `no` the
    rest, anything else (a hand-made value) the list as it is."""

    condition = Q()

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


class HasDescriptionFilter(YesNoFilter):
    # The redacted text: what a moderator reads (the original is personal data).
    title = _("has a description")
    parameter_name = "described"
    condition = ~Q(description_redacted="")


class ImportedFilter(YesNoFilter):
    title = _("imported")
    parameter_name = "imported"
    condition = Q(imported=True)


class EmailConfirmedFilter(YesNoFilter):
    """Whether the sender confirmed an email address: a yes/no for moderators too. It has a
    parameter of its own because `email_confirmed_at` lookups (when) are personal data."""

    title = _("email confirmed")
    parameter_name = "confirmed"
    condition = Q(email_confirmed_at__isnull=False)


class ReasonFilter(admin.SimpleListFilter):
    """Rejected reports by their reason; choosing one shows the rejected ones (the queue
    opens on the pending)."""

    title = _("rejection reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return [
            (str(reason.pk), reason.name if reason.is_active else _("%s (inactive)") % reason.name)
            for reason in RejectionReason.objects.all()
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        reason_id = parse_id(RejectionReason._meta.pk, value)
        if reason_id is None:
            return queryset.none()
        return queryset.filter(rejection_reason_id=reason_id)

    def choices(self, changelist):
        current = self.value()
        yield {
            "selected": current is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup, StatusFilter.parameter_name: Status.REJECTED}
                ),
                "display": title,
            }
