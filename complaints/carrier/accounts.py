"""Carrier accounts: the carrier a back-office user speaks for, and what that user reaches.

A user in the group Carrier reaches only the complaints of the carrier of their
CarrierAccount, whatever a form or URL asks for; without an account, nothing. Organizers and
superusers reach every carrier.

The management command carrier_account and the organizer's admin both create or link an
account through link(); a new user gets no password but a one-time link to set one
(password_link()), valid for PASSWORD_RESET_TIMEOUT and void once used.
"""

import dataclasses
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from complaints.models import CarrierAccount, carrier_name

CARRIER_GROUP = "Carrier"
NOTHING = ""  # the scope of a carrier user without a carrier
# Staff roles that see complaints of every carrier: never turned into a carrier silently.
WIDER_GROUPS = ("Organizer", "Moderator")


def scope(user: AbstractBaseUser | None) -> str | None:
    """The carrier whose complaints the user may reach: None for every carrier, a slug for
    one, NOTHING ("") for none at all."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if user.is_superuser:
        return None
    account = CarrierAccount.objects.filter(user=user).values_list("carrier", flat=True).first()
    if account is not None:
        # A carrier no longer configured has no evaluation of its own: nothing, not all.
        return account if account in settings.EINZELFALL_CARRIERS else NOTHING
    if user.groups.filter(name=CARRIER_GROUP).exists():
        return NOTHING
    return None


def scoped(filters, user: AbstractBaseUser | None):
    """The export filters a user gets (complaints.carrier.exports.Filters): a carrier user's
    carrier replaces whatever was asked for; a carrier user without a carrier gets
    PermissionDenied. user None: a management command (shell access), every carrier."""
    if user is None:
        return filters
    carrier = scope(user)
    if carrier is None:
        return filters
    if carrier == NOTHING:
        raise PermissionDenied(no_carrier_message())
    return dataclasses.replace(filters, carrier=carrier)


def no_carrier_message() -> str:
    return _(
        "Your account is not linked to a carrier, so it reaches no complaints. "
        "Ask the organizer to link it."
    )


# -- creating and linking accounts -------------------------------------------------------------


@dataclass(frozen=True)
class Linked:
    user: AbstractBaseUser
    carrier: str
    created: bool  # a new user
    before: str | None  # the carrier it had before (None: no account)

    @property
    def changed(self) -> bool:
        return self.before != self.carrier

    def summary(self) -> str:
        """What link() did, in a sentence."""
        values = {"user": self.user.get_username(), "carrier": carrier_name(self.carrier)}
        if self.created:
            return _("Created the carrier user %(user)s for %(carrier)s.") % values
        if self.before is None:
            return _("Linked the user %(user)s to %(carrier)s.") % values
        if self.changed:
            values["before"] = carrier_name(self.before)
            return _("Changed the carrier of %(user)s from %(before)s to %(carrier)s.") % values
        return _("%(user)s is already a carrier user for %(carrier)s: nothing changed.") % values


def check_carrier(carrier: str) -> str:
    carrier = (carrier or "").strip()
    if carrier not in settings.EINZELFALL_CARRIERS:
        known = ", ".join(settings.EINZELFALL_CARRIERS)
        raise ValidationError(
            _("Unknown carrier %(value)r (known: %(known)s)") % {"value": carrier, "known": known}
        )
    return carrier


def check_email(email: str | None) -> str | None:
    if email is None:
        return None
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        message = _("Not a valid email address: %(value)r") % {"value": email}
        raise ValidationError(message) from None
    return email


def check_linkable(user: AbstractBaseUser) -> None:
    """ValidationError for a user who sees more than one carrier's complaints."""
    wider = user.is_superuser or user.groups.filter(name__in=WIDER_GROUPS).exists()
    if wider or user.user_permissions.exists():
        raise ValidationError(
            _(
                "%(user)s is a superuser, organizer or moderator (or has permissions of its "
                "own) and sees every carrier's complaints: not made a carrier user."
            )
            % {"user": user.get_username()}
        )


def link(username: str, carrier: str, email: str | None = None) -> Linked:
    """Create the staff user USERNAME in the group Carrier for this carrier, or link an
    existing one (a second call with another carrier changes it). ValidationError and nothing
    stored when the carrier or email is wrong or the user is an organizer or moderator."""
    carrier, email = check_carrier(carrier), check_email(email)
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("A username is needed."))
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username, email=email or "", is_staff=True)
            user.set_unusable_password()
            user.full_clean(exclude=["password"])
            user.save()
        else:
            check_linkable(user)
            _make_staff(user, email)
        user.groups.add(Group.objects.get(name=CARRIER_GROUP))
        before = CarrierAccount.objects.filter(user=user).values_list("carrier", flat=True)
        before = before.first()
        CarrierAccount.objects.update_or_create(user=user, defaults={"carrier": carrier})
    return Linked(user, carrier, created, before)


def _make_staff(user: AbstractBaseUser, email: str | None) -> None:
    fields = []
    if not user.is_staff:
        user.is_staff = True
        fields.append("is_staff")
    if email is not None and user.email != email:
        user.email = email
        fields.append("email")
    if fields:
        user.save(update_fields=fields)


def password_link(user: AbstractBaseUser, request=None) -> str:
    """The one-time link at which the user sets a password: absolute, on the request's host,
    or on SITE_URL (a command has no request)."""
    path = reverse(
        "admin:complaints_carrieraccount_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path
