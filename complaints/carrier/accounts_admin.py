"""The organizer's admin of carrier accounts: create or link a carrier's back-office user.

Only organizers and superusers (the permissions of migration 0020) reach it. Adding goes
through accounts.link(), as the command carrier_account does; a new user's one-time link to
set a password is shown once, on the page after saving (not in a message kept in the session).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _

from complaints.carrier import accounts
from complaints.models import CarrierAccount, carrier_name


def carrier_choices():
    return list(settings.EINZELFALL_CARRIERS.items())


class CarrierAccountAddForm(forms.ModelForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("A new user is created; an existing one is linked to the carrier."),
    )
    carrier = forms.ChoiceField(label=_("Carrier"), choices=carrier_choices)
    email = forms.EmailField(label=_("Email address"), required=False)

    class Meta:
        model = CarrierAccount
        fields = ["carrier"]

    def clean(self):
        data = super().clean()
        User = get_user_model()
        user = User.objects.filter(username=(data.get("username") or "").strip()).first()
        if user is not None:
            try:
                accounts.check_linkable(user)
            except ValidationError as error:
                self.add_error("username", error)
        return data


class CarrierAccountChangeForm(forms.ModelForm):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=carrier_choices)

    class Meta:
        model = CarrierAccount
        fields = ["carrier"]


@admin.register(CarrierAccount)
class CarrierAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "carrier_display", "email", "last_login"]
    list_filter = ["carrier"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    readonly_fields = ["user"]
    actions = ["password_links"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CarrierAccountChangeForm if obj else CarrierAccountAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "carrier"] if obj else ["username", "carrier", "email"]

    @admin.display(description=_("carrier"), ordering="carrier")
    def carrier_display(self, account):
        return carrier_name(account.carrier)

    @admin.display(description=_("email address"), ordering="user__email")
    def email(self, account):
        return account.user.email

    @admin.display(description=_("last login"), ordering="user__last_login")
    def last_login(self, account):
        return account.user.last_login

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        linked = accounts.link(data["username"], data["carrier"], data["email"] or None)
        obj.pk, obj.user, obj.carrier = linked.user.carrier_account.pk, linked.user, linked.carrier
        request._carrier_linked = linked  # for response_add, in this request only
        return None

    def response_add(self, request, obj, post_url_continue=None):
        linked = getattr(request, "_carrier_linked", None)
        if linked is None or linked.user.has_usable_password():
            return super().response_add(request, obj, post_url_continue)
        links = [(linked.summary(), accounts.password_link(linked.user, request))]
        return self._links_page(request, _("Carrier account saved"), links)

    @admin.action(description=_("Make a one-time link to set the password"), permissions=["change"])
    def password_links(self, request, queryset):
        """For a carrier who lost the first link or forgot the password; a link is void once
        the password is set."""
        links = [
            (str(account.user), accounts.password_link(account.user, request))
            for account in queryset.select_related("user").order_by("user__username")
        ]
        return self._links_page(request, _("Links to set a password"), links)

    def _links_page(self, request, title, links: list[tuple[str, str]]):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "links": links,
            "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
        }
        return TemplateResponse(request, "admin/complaints/carrieraccount/saved.html", context)

    def get_urls(self):
        # Reached without a login: the token in the link is the proof (Django's password
        # reset token, void once the password is set).
        password = path(
            "password/<uidb64>/<token>/",
            PasswordSetView.as_view(),
            name="complaints_carrieraccount_password",
        )
        done = path(
            "password/done/",
            PasswordSetDoneView.as_view(),
            name="complaints_carrieraccount_password_done",
        )
        return [done, password, *super().get_urls()]


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Django's password reset confirmation, as the admin shows it."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("admin:complaints_carrieraccount_password_done")


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "login_url": reverse("admin:login")}
