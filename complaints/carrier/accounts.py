"""Carrier accounts: the carrier a back-office user speaks for, and what that user reaches.

A user in the group Carrier reaches only the complaints of the carrier of their
CarrierAccount, whatever a form or URL asks for; without an account, nothing. Organizers and
superusers reach every carrier.
"""

from django.contrib.auth.base_user import AbstractBaseUser

from complaints.models import CarrierAccount

CARRIER_GROUP = "Carrier"
NOTHING = ""  # the scope of a carrier user without a carrier


def scope(user: AbstractBaseUser) -> str | None:
    """The carrier whose complaints the user may reach: None for every carrier, a slug for
    one, NOTHING ("") for none at all."""
    if not user.is_authenticated:
        return NOTHING
    if user.is_superuser:
        return None
    account = CarrierAccount.objects.filter(user=user).values_list("carrier", flat=True).first()
    if account is not None:
        return account
    if user.groups.filter(name=CARRIER_GROUP).exists():
        return NOTHING
    return None
