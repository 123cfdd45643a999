"""The carrier's desk in the back office: its opened places, and its answers.
(Filled by issue 19's work.)"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path

from complaints.models import CarrierCase


@admin.register(CarrierCase)
class CarrierCaseAdmin(admin.ModelAdmin):
    list_display = ["place", "carrier", "opened_at", "status"]

    def get_urls(self):
        desk = path(
            "desk/", self.admin_site.admin_view(self.desk_view), name="complaints_carriercase_desk"
        )
        return [desk, *super().get_urls()]

    def desk_view(self, request):
        raise PermissionDenied
