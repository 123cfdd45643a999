"""The organizer's admin of carriers (contacts, publishing) and of their statements
(approval). (Filled by issue 19's work.)"""

from django.contrib import admin

from complaints.models import CarrierProfile, CarrierStatement


@admin.register(CarrierProfile)
class CarrierProfileAdmin(admin.ModelAdmin):
    list_display = ["carrier", "publish_directly"]


@admin.register(CarrierStatement)
class CarrierStatementAdmin(admin.ModelAdmin):
    list_display = ["case", "status", "review", "written_at"]
