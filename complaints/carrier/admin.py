"""The downloads page of the admin: the carrier exports for organizers and carrier users.

A carrier user (group Carrier: only the permission complaints.export_complaint) sees this
page and nothing else of the complaints. Files stream from complaints.carrier.exports, built
nowhere in memory (as django-import-export's Resource.export() would), and every download is
recorded (services.export_recorded).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from complaints.backoffice.mixins import ReadOnlyAdmin
from complaints.carrier import exports
from complaints.carrier.formats import CONTENT_TYPES
from complaints.carrier.services import export_recorded
from complaints.models import Complaint, ExportLog, Place, Status

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
        ],
    )
    since = forms.DateField(label=_("Submitted from"), required=False)
    until = forms.DateField(label=_("Submitted until"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)
    carrier = forms.ChoiceField(label=_("Carrier"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("since", "until"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        # Cities with published complaints, by name.
        cities = (
            Place.objects.filter(
                pk__in=Complaint.objects.filter(status=Status.PUBLISHED)
                .values("city_place")
                .distinct()
            )
            .order_by("name")
            .values_list("slug", "name")
        )
        self.fields["city"].choices = [("", _("all cities")), *cities]
        self.fields["carrier"].choices = [
            ("", _("all carriers")),
            *settings.EINZELFALL_CARRIERS.items(),
        ]

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
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _download(request, form.cleaned_data)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Downloads for the carrier"),
        "form": form,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/complaints/downloads.html", context)


def _download(request, data) -> StreamingHttpResponse:
    kind, filters = data["kind"], data["filters"]
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
        "rows",
        "completed",
    ]
    list_filter = ["kind", "via", "completed", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
