"""The downloads page of the admin: the carrier exports for organizers and carrier users.

A carrier user (group Carrier: only the permission complaints.export_complaint) sees this
page and nothing else of the complaints, and here only its own carrier's (accounts.scope: the
carrier field is fixed, whatever is posted; export_recorded narrows the filters once more).
Files stream from complaints.carrier.exports, built nowhere in memory (as
django-import-export's Resource.export() would), and every download is recorded
(services.export_recorded).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from complaints.backoffice.mixins import ReadOnlyAdmin
from complaints.carrier import accounts, exports
from complaints.carrier.formats import CONTENT_TYPES
from complaints.carrier.services import export_recorded
from complaints.models import Complaint, ExportLog, Place, Status, carrier_name

EXPORT_PERMISSION = "complaints.export_complaint"


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Data"), choices=ExportLog.Kind.choices)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("csv-excel-de", _("CSV for German Excel (semicolons, UTF-8 with BOM)")),
            ("csv-rfc4180", _("CSV, RFC 4180 (commas, UTF-8)")),
            ("xlsx", _("Excel workbook (XLSX)")),
            ("json", _("JSON")),
            ("geojson", _("GeoJSON (points at the places' centres)")),
        ],
    )
    since = forms.DateField(label=_("Submitted from"), required=False)
    until = forms.DateField(label=_("Submitted until"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)
    carrier = forms.ChoiceField(label=_("Carrier"), required=False)

    def __init__(self, *args, carrier: str | None = None, **kwargs):
        """carrier: the one carrier the user reaches (None: every carrier)."""
        super().__init__(*args, **kwargs)
        for name in ("since", "until"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        # Cities with published complaints (of the user's carrier: no other carrier's places
        # are named to it), by name.
        published = Complaint.objects.filter(status=Status.PUBLISHED)
        if carrier is not None:
            published = published.filter(carrier=carrier)
        cities = (
            Place.objects.filter(pk__in=published.values("city_place").distinct())
            .order_by("name")
            .values_list("slug", "name")
        )
        self.fields["city"].choices = [("", _("all cities")), *cities]
        self._carrier_choices(carrier)

    def _carrier_choices(self, carrier: str | None) -> None:
        field = self.fields["carrier"]
        if carrier is None:
            field.choices = [("", _("all carriers")), *settings.EINZELFALL_CARRIERS.items()]
            return
        # A disabled field takes its initial value and ignores what is posted.
        field.choices = [(carrier, carrier_name(carrier))]
        field.initial, field.disabled = carrier, True

    def clean(self):
        data = super().clean()
        try:
            data["filters"] = exports.Filters.parse(
                data.get("since"), data.get("until"), data.get("city"), data.get("carrier")
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
            return data
        try:
            exports.check_filters(data.get("kind"), data["filters"])
        except ValidationError as error:
            self.add_error(None, error)
        return data


def downloads_view(request, model_admin):
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    carrier = accounts.scope(request.user)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Downloads for the carrier"),
        "opts": model_admin.model._meta,
        "carrier": carrier_name(carrier) if carrier else "",
    }
    if carrier == accounts.NOTHING:
        # A carrier user without a carrier: told so, offered nothing, sent nothing.
        context["no_carrier"] = accounts.no_carrier_message()
        status = 403 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/complaints/downloads.html", context, status=status)
    form = ExportForm(request.POST or None, carrier=carrier)
    if request.method == "POST" and form.is_valid():
        return _download(request, form.cleaned_data)
    context["form"] = form
    return TemplateResponse(request, "admin/complaints/downloads.html", context)


def _download(request, data) -> StreamingHttpResponse:
    kind, filters = data["kind"], accounts.scoped(data["filters"], request.user)
    fmt, _sep, dialect = data["format"].partition("-")
    dialect = dialect or "rfc4180"
    chunks = export_recorded(
        kind=kind, fmt=fmt, dialect=dialect, filters=filters, via="admin", user=request.user
    )
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
    name = exports.filename(kind, fmt, filters)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ExportLog)
class ExportLogAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The audit of exports: read-only, for organizers."""

    list_display = [
        "created_at",
        "user",
        "via",
        "kind",
        "format",
        "dialect",
        "filters",
        "carrier_display",
        "rows",
        "completed",
    ]
    list_filter = [
        "kind",
        "via",
        "carrier",
        "completed",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    @admin.display(description=_("carrier"), ordering="carrier")
    def carrier_display(self, log):
        """Whose complaints the file held; empty: every carrier's."""
        return carrier_name(log.carrier) if log.carrier else _("all carriers")
