"""The active problem types, kept in the process for the form's check of a report: a query
less per report. They change seldom (the admin): a change saved in this process is seen at
once (signals); in another process a type added is seen at once (an unknown slug asks the
database), one turned off within SECONDS; a type deleted meanwhile is
caught by the store (services._store: the report is checked once more against the database).

Only committed state is cached: inside a transaction (a test's, a command's) the database is
asked, as what the transaction sees may never be committed."""

import time

from django import forms
from django.db import connection
from django.db.models.signals import post_delete, post_save

from complaints.models import ProblemType

SECONDS = 60

# "entry": (when read, {slug: ProblemType}), replaced whole: threads of one process share it.
_cached: dict = {}


def invalidate(**_kwargs) -> None:
    _cached.pop("entry", None)


post_save.connect(invalidate, sender=ProblemType, dispatch_uid="intake-problem-types")
post_delete.connect(invalidate, sender=ProblemType, dispatch_uid="intake-problem-types")


def active_by_slug(queryset) -> dict[str, ProblemType] | None:
    """{slug: type} of queryset (the form's active types), or None inside a transaction."""
    if connection.in_atomic_block:
        return None
    entry = _cached.get("entry")
    if entry is None or time.monotonic() - entry[0] > SECONDS:
        entry = _cached["entry"] = (time.monotonic(), {p.slug: p for p in queryset})
    return entry[1]


class ProblemTypesField(forms.ModelMultipleChoiceField):
    """The form's problems, checked against the types kept in the process; the same errors
    and the same types (in the order of the queryset) as ModelMultipleChoiceField."""

    def _check_values(self, value):
        known = active_by_slug(self.queryset) if self.to_field_name == "slug" else None
        if known is None:
            return super()._check_values(value)
        try:
            value = frozenset(value)
        except TypeError:
            raise forms.ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        for slug in value:
            self.validate_no_null_characters(slug)
        if any(str(slug) not in known for slug in value):
            # Added in another process since (the form shows the database's types): the
            # database decides; only a slug it knows makes the types be read again, so that
            # made-up slugs cannot empty the process's copy on every post.
            found = super()._check_values(value)
            invalidate()
            return found
        return [p for p in known.values() if p.slug in value]
