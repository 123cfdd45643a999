"""The form to follow a place (field names are the contract: SPEC.md)."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints.campaign import follow
from complaints.fields import ReadableEmailField
from complaints.intake.forms import PlaceNameField, optional, privacy_help_text
from complaints.models import Place
from complaints.places import matching
from complaints.places.names import name_key

# "Schönberg (Bayern)": a city that shares its name, as the form names it (follow.city_label).
_WITH_STATE = re.compile(r"^(?P<name>.+?)\s*\((?P<state>[^()]+)\)$")


def _city_id(index, typed: str, slug: str) -> int | None:
    """The city meant: the one of the city page's button (its slug) while its name is still
    in the field, a namesake named with its state, else the likeliest of that name."""
    key = name_key(typed)
    if slug:
        for place in index.places.values():  # ~13k in memory, once per sent form
            if place.slug == slug and place.kind == "city":
                if key in (name_key(place.name), name_key(follow.city_label(place))):
                    return place.id
                break
    if found := _WITH_STATE.match(typed.strip()):
        name, state = name_key(found["name"]), found["state"].strip().lower()
        for pk in index.city_keys.exact.get(name, []):
            place = index.places[pk]
            if place.kind == "city" and place.state.lower() == state:
                return pk
    return None


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
        required=False,
        help_text=_("Leave empty for the campaign newsletter alone."),
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
    # The city page's button: which of several cities of that name (field names: SPEC.md).
    city_slug = forms.SlugField(required=False, max_length=200, widget=forms.HiddenInput)
    language = forms.ChoiceField(label=_("Language of the mails"), choices=settings.LANGUAGES)
    newsletter = forms.BooleanField(
        label=_("Also send me the campaign newsletter."),
        required=False,
        help_text=_("News of the whole campaign, a few times a year."),
    )
    consent = forms.BooleanField(
        label=_("I agree that my email address is stored for these mails until I unsubscribe."),
        help_text=privacy_help_text(
            _("Read how your address is stored and used in the {privacy_policy}.")
        ),
        error_messages={"required": _("Please agree so that we can send you the mails.")},
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["city_place"] = cleaned["district_place"] = None
        if "city" in self.errors:
            return cleaned
        if not cleaned.get("city"):
            if cleaned.get("district"):
                self.add_error("city", _("Please name the city of this district."))
            elif not cleaned.get("newsletter") and "newsletter" not in self.errors:
                self.add_error(
                    "city",
                    ValidationError(
                        _("Please name a place to follow, or tick the campaign newsletter."),
                        code="nothing",
                    ),
                )
            return cleaned
        index = matching.get_index()
        city_id = _city_id(index, cleaned["city"], cleaned.get("city_slug") or "")
        found = matching.Match(city_id=city_id) if city_id else index.match(cleaned["city"])
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
