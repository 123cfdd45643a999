"""The organizer's admin of carrier accounts. (Filled by issue 19's work.)"""

from django.contrib import admin

from complaints.models import CarrierAccount


@admin.register(CarrierAccount)
class CarrierAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "carrier"]
