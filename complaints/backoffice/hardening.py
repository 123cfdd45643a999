"""What a staff user may ask of the back office's lists and forms, whatever the query string.

`HardenedAdmin` is a ModelAdmin mixin that the site (complaints/backoffice/site.py) puts under
every registered ModelAdmin, Django's own (users, groups, flat pages, sites) included:

- lookups: a changelist's query string may only hold what the page itself offers this user
  (its list filters and date hierarchy). Anything else (`?ip_hash__startswith=`,
  `?email__isnull=`, `?moderated_by__password__startswith=`, `__regex`) is a 400. Django's
  own rule allows every lookup on a local field, which lets a moderator recover hidden values
  one character at a time. Fields in `personal_fields` are neither filtered nor searched
  without the personal-data permission.
- ids: a bulk action's ids and an autocomplete box's value that are no id (`abc`, `1e3`,
  `99999999999999999999`, NUL bytes) are a 400 or a form error, never a database error.
- "view on site": only for an object the public may see (`public_url`), see the site.
"""

from django import forms
from django.contrib.admin import FieldListFilter, SimpleListFilter
from django.contrib.admin import filters as admin_filters
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    url_params_from_lookup_dict,
)
from django.core.exceptions import BadRequest, ValidationError
from django.db.models.constants import LOOKUP_SEP

PERSONAL_PERMISSION = "complaints.view_personal_data"

# The largest range of an integer column (PostgreSQL's bigint): a bigger id reaches the
# database as an overflow error instead of "no such row".
ID_RANGE = range(-(2**63), 2**63)

# The query-string parameters each of Django's field filters reads, by its field path
# (django/contrib/admin/filters.py): what a filter offers, and so what the allow-list allows.
# Checked against real filters for every registered admin in tests/test_admin_hardening.py.
FILTER_SUFFIXES = [
    (admin_filters.RelatedFieldListFilter, ["__{target}__exact", "__isnull"]),
    (admin_filters.EmptyFieldListFilter, ["__isempty"]),
    (admin_filters.BooleanFieldListFilter, ["__exact", "__isnull"]),
    (admin_filters.ChoicesFieldListFilter, ["__exact", "__isnull"]),
    (admin_filters.DateFieldListFilter, ["__gte", "__lt", "__isnull"]),
    (admin_filters.AllValuesFieldListFilter, ["", "__isnull"]),
]


# What the date hierarchy's links may hold (years that stay years in every time zone).
DATE_PARTS = {"year": range(2, 9999), "month": range(1, 13), "day": range(1, 32)}


def _root(lookup: str) -> str:
    return lookup.split(LOOKUP_SEP)[0]


def parse_id(field, value):
    """`value` as an id of `field` (a primary key or a relation's target), or None when it
    is none (not a number for a numeric key, out of the database's range, a NUL byte)."""
    if "\x00" in str(value):
        return None
    try:
        parsed = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None
    if isinstance(parsed, int) and parsed not in ID_RANGE:
        return None
    return parsed


def filter_parameters(model, item) -> set[str]:
    """The query-string parameters one entry of list_filter reads."""
    if isinstance(item, type) and issubclass(item, SimpleListFilter):
        return {item.parameter_name}
    path, filter_class = item if isinstance(item, (list, tuple)) else (item, None)
    field = get_fields_from_path(model, path)[-1]
    if filter_class is None:
        # FieldListFilter.create picks the first registered filter whose test takes the field.
        filter_class = next(
            (cls for test, cls in FieldListFilter._field_list_filters if test(field)), None
        )
    for base, suffixes in FILTER_SUFFIXES:
        if isinstance(filter_class, type) and issubclass(filter_class, base):
            if base is admin_filters.DateFieldListFilter and not field.null:
                suffixes = suffixes[:2]
            target = getattr(getattr(field, "target_field", None), "name", "")
            return {path + suffix.format(target=target) for suffix in suffixes}
    return set()  # a filter of unknown parameters allows none: add them to extra_lookups


class SafeAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete box, shown again after a form error with a value that is no
    id: Django looks the value up as given, which is a database error for `abc`."""

    def optgroups(self, name, value, attr=None):
        model = self.field.remote_field.model
        target = model._meta.get_field(getattr(self.field.remote_field, "field_name", "pk"))
        value = [v for v in value if v in ("", None) or parse_id(target, v) is not None]
        return super().optgroups(name, value, attr)


class SafeAutocompleteSelectMultiple(SafeAutocompleteSelect, AutocompleteSelectMultiple):
    pass


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several related rows whose ids are checked before the database sees them
    (Django checks them one by one, but then asks for all of them at once with `IN`, where a
    number too big for the column is an overflow error)."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        opts = self.queryset.model._meta
        field = opts.pk if key == "pk" else opts.get_field(key)
        for pk in value:
            if parse_id(field, pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class HardenedAdmin:
    """ModelAdmin mixin: lookups as an allow-list per user, ids checked, and "view on site"
    only for public objects. The site applies it to every ModelAdmin it registers."""

    # Fields a user without `personal_permission` may neither filter nor search by.
    personal_fields: frozenset[str] = frozenset()
    personal_permission = PERSONAL_PERMISSION
    # Query-string parameters allowed besides the filters' (for a custom FieldListFilter).
    extra_lookups: frozenset[str] = frozenset()

    def may_see_personal_data(self, request) -> bool:
        return request.user.has_perm(self.personal_permission)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if not self.personal_fields or self.may_see_personal_data(request):
            return filters
        return [item for item in filters if not self._touches_personal_data(item)]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if not self.personal_fields or self.may_see_personal_data(request):
            return fields
        return [f for f in fields if _root(f.lstrip("^=@")) not in self.personal_fields]

    def _touches_personal_data(self, item) -> bool:
        return any(_root(p) in self.personal_fields for p in filter_parameters(self.model, item))

    def allowed_lookups(self, request) -> set[str]:
        """The lookups this user's changelist offers: its filters and its date hierarchy."""
        allowed = set(self.extra_lookups)
        for item in self.get_list_filter(request):
            allowed |= filter_parameters(self.model, item)
        if self.date_hierarchy:
            allowed |= {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        return allowed

    def lookup_allowed(self, lookup, value, request=None):
        # Django's own raw-id popups ask for the lookups of a relation's limit_choices_to.
        for fk_lookup in self.model._meta.related_fkey_lookups:
            fk_lookup = fk_lookup() if callable(fk_lookup) else fk_lookup
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        if request is None or lookup not in self.allowed_lookups(request):
            return False
        field, _sep, part = lookup.rpartition(LOOKUP_SEP)
        if self.date_hierarchy and field == self.date_hierarchy and part in DATE_PARTS:
            # The date links' year, month and day become a datetime: a number out of its
            # range is an overflow error in Django, not a wrong lookup.
            return value.isascii() and value.isdigit() and int(value) in DATE_PARTS[part]
        return True

    def response_action(self, request, queryset):
        ids = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if any(parse_id(self.opts.pk, value) is None for value in ids):
            # No browser sends this: the checkboxes hold ids.
            raise BadRequest("A selected id is no id")  # logged, not shown: 400.html
        return super().response_action(request, queryset)

    def _get_list_editable_queryset(self, request, prefix):
        # The rows an editable list saves, looked up by the ids the form sends back: Django
        # checks that they parse, not that they fit the column.
        ids = self._get_edited_object_pks(request, prefix)
        if any(parse_id(self.opts.pk, value) is None for value in ids):
            raise BadRequest("An edited row's id is no id")
        return super()._get_list_editable_queryset(request, prefix)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def public_url(self, obj) -> str | None:
        """The object's address on the public site when the public may see it, else None:
        then neither "view on site" nor the admin's /r/ shortcut leads there."""
        return None

    def get_view_on_site_url(self, obj=None):
        if obj is None or self.public_url(obj) is None:
            return None
        return super().get_view_on_site_url(obj)
