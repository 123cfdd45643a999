"""The form to follow a place (field names are the contract: SPEC.md)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from complaints.fields import ReadableEmailField
from complaints.intake.forms import PlaceNameField, optional
from complaints.models import Place
from complaints.places import matching
from complaints.places.names import name_key


def _privacy_help_text():
    link = format_html('<a href="{}">{}</a>', reverse_lazy("privacy"), _("privacy policy"))
    return format_html(
        _("Read how your address is stored and used in the {privacy_policy}."),
        privacy_policy=link,
    )


class FollowForm(forms.Form):
    email = ReadableEmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("Only for these mails. Never published, never passed on."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    city = PlaceNameField(
        label=_("City or municipality"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"autocomplete": "address-level2", "list": "city-suggestions"}
        ),
    )
    district = PlaceNameField(
        label=optional(_("District")),
        max_length=100,
        required=False,
        help_text=_("Leave empty to follow the whole city."),
    )
    language = forms.ChoiceField(label=_("Language of the mails"), choices=settings.LANGUAGES)
    newsletter = forms.BooleanField(
        label=_("Also send me the campaign newsletter."),
        required=False,
        help_text=_("News of the whole campaign, a few times a year."),
    )
    consent = forms.BooleanField(
        label=_("I agree that my email address is stored for these mails until I unsubscribe."),
        help_text=lazy(_privacy_help_text, str)(),
        error_messages={"required": _("Please agree so that we can send you the mails.")},
    )

    def clean(self):
        cleaned = super().clean()
        if "city" in self.errors or not cleaned.get("city"):
            return cleaned
        index = matching.get_index()
        found = index.match(cleaned["city"])
        if not found.matched:
            self.add_error(
                "city",
                ValidationError(
                    _("We do not know a city or municipality of that name."), code="unknown_city"
                ),
            )
            return cleaned
        district_id = found.district_id  # "Hamburg-Altona" typed as the city
        if cleaned.get("district"):
            district_id = index.district_in_city(found.city_id, name_key(cleaned["district"]))
            if district_id is None:
                self.add_error(
                    "district",
                    ValidationError(
                        _("%(city)s has no district of that name that we know."),
                        code="unknown_district",
                        params={"city": index.places[found.city_id].name},
                    ),
                )
                return cleaned
        places = Place.objects.filter(merged_into__isnull=True).in_bulk(
            [pk for pk in (found.city_id, district_id) if pk]
        )
        if found.city_id not in places:  # deleted a moment ago (the index is seconds late)
            self.add_error(
                "city",
                ValidationError(
                    _("We do not know a city or municipality of that name."), code="unknown_city"
                ),
            )
            return cleaned
        cleaned["city_place"] = places[found.city_id]
        cleaned["district_place"] = places.get(district_id) if district_id else None
        return cleaned
