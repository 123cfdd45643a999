"""List filters the back office's lists share."""

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


def carrier_filter(lookup: str = "carrier") -> type[admin.SimpleListFilter]:
    """A list filter by the configured carriers (?carrier=<slug>), on the field `lookup`."""

    class CarrierFilter(admin.SimpleListFilter):
        title = _("carrier")
        parameter_name = "carrier"

        def lookups(self, request, model_admin):
            return list(settings.EINZELFALL_CARRIERS.items())

        def queryset(self, request, queryset):
            return queryset.filter(**{lookup: self.value()}) if self.value() else queryset

    return CarrierFilter
