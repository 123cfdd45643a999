"""The carriers' API keys in the admin: the organizer makes one (a carrier and a name), sees
the key once on the next page, and afterwards only its first characters; keys are revoked,
never deleted (the list is the record of who could pull what).

Only organizers and superusers manage keys. A carrier user could otherwise hand a program a
standing pull of every report of its carrier without the organizer knowing; the organizer
makes the key for the carrier on request (the command carrier_api_key does the same).

The key travels from the form to the page that shows it through the session, which gives it
up when it is shown: reloading that page (a GET) shows it no more and makes no second key.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from complaints.carrier.open311 import keys
from complaints.models import CarrierApiKey, carrier_name

SESSION_KEY = "open311-new-key"


class CarrierApiKeyForm(forms.ModelForm):
    carrier = forms.ChoiceField(label=_("carrier"))

    class Meta:
        model = CarrierApiKey
        fields = ["carrier", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "carrier" in self.fields:  # not on the read-only change page
            self.fields["carrier"].choices = list(settings.EINZELFALL_CARRIERS.items())


def _is_organizer(request) -> bool:
    # Organizers hold these permissions (migration 0022), superusers all: carriers, whose
    # program uses the key, never make one themselves.
    user = request.user
    return user.is_active and user.is_staff and user.has_perm("complaints.add_carrierapikey")


@admin.register(CarrierApiKey)
class CarrierApiKeyAdmin(admin.ModelAdmin):
    form = CarrierApiKeyForm
    list_display = ["name", "carrier_display", "prefix", "created_at", "last_used_at", "state"]
    list_filter = ["carrier"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["carrier", "name", "prefix", "created_at", "created_by", "last_used_at"]
    actions = ["revoke"]

    def has_module_permission(self, request):
        return _is_organizer(request)

    def has_view_permission(self, request, obj=None):
        return _is_organizer(request)

    def has_add_permission(self, request):
        return _is_organizer(request)

    def has_change_permission(self, request, obj=None):
        # Only the revoke action changes a key; the change page shows it read-only.
        return _is_organizer(request) and obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["carrier", "name"]
        return [*self.readonly_fields, "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "revoked_at"] if obj else []

    @admin.display(description=_("carrier"), ordering="carrier")
    def carrier_display(self, key):
        return carrier_name(key.carrier)

    @admin.display(description=_("validity"), ordering="revoked_at")
    def state(self, key):
        return _("revoked") if key.revoked_at else _("active")

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            made = keys.make(
                carrier=form.cleaned_data["carrier"],
                name=form.cleaned_data["name"],
                user=request.user,
            )
        except ValidationError as error:  # the form checked both; a carrier removed meanwhile
            raise ValidationError(error.messages) from None
        obj.pk = made.key.pk
        request.session[SESSION_KEY] = {"pk": made.key.pk, "secret": made.secret}

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:complaints_carrierapikey_made", args=[obj.pk]))

    @admin.action(description=_("Revoke the selected keys"), permissions=["view"])
    def revoke(self, request, queryset):
        count = keys.revoke(queryset)
        self.message_user(request, _("Keys revoked: %(count)s") % {"count": count})

    def get_urls(self):
        made = path(
            "<int:pk>/made/",
            self.admin_site.admin_view(self.made_view),
            name="complaints_carrierapikey_made",
        )
        return [made, *super().get_urls()]

    def made_view(self, request, pk: int):
        if not _is_organizer(request):
            raise PermissionDenied
        key = get_object_or_404(CarrierApiKey, pk=pk)
        new = request.session.get(SESSION_KEY) or {}
        secret = ""
        if new.get("pk") == key.pk:
            secret = new["secret"]
            del request.session[SESSION_KEY]  # shown once
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key made") if secret else str(key),
            "opts": self.opts,
            "key": key,
            "secret": secret,
            "carrier_name": carrier_name(key.carrier),
        }
        return TemplateResponse(request, "admin/complaints/carrierapikey/made.html", context)
