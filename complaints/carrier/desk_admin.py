"""The carrier's desk in the back office: its opened places, and its answers.

- <admin>/complaints/carriercase/desk/: the places opened for the user's carrier (its scope,
  complaints/carrier/accounts.py), whatever the URL asks for; organizers read any carrier's
  desk (?carrier=<slug>) but do not answer for it. A carrier user without a carrier sees a
  page that says so, and no data.
- <admin>/complaints/carriercase/<id>/answer/: the answer for one place (cases.statement_submit);
  a case of another carrier is a 404.
- The changelist: every case, read-only, for organizers; a carrier user is sent to the desk.
"""

import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.backoffice.filters import carrier_filter
from complaints.backoffice.hardening import parse_id
from complaints.backoffice.mixins import ReadOnlyAdmin
from complaints.carrier import accounts, cases, desk, public
from complaints.carrier.desk_forms import AnswerForm, sent_message
from complaints.models import CarrierCase, PlaceStatus, carrier_name

ANSWER_PERMISSION = "complaints.answer_carriercase"
VIEW_PERMISSION = "complaints.view_carriercase"
EXPORT_PERMISSION = "complaints.export_complaint"
DESK_TEMPLATE = "admin/complaints/carriercase/desk.html"
ANSWER_TEMPLATE = "admin/complaints/carriercase/answer.html"
WAITING = "waiting"  # the status filter's value for "no statement published yet"


def may_use_desk(user) -> bool:
    """Carrier users (they answer) and organizers (they read)."""
    return user.has_perm(ANSWER_PERMISSION) or user.has_perm(VIEW_PERMISSION)


# -- the organizer's list of every case ------------------------------------------------------


CarrierFilter = carrier_filter()


class CaseStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(WAITING, desk.status_label("")), *PlaceStatus.Kind.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == WAITING:
            return queryset.filter(status="")
        if value in PlaceStatus.Kind.values:
            return queryset.filter(status=value)
        return queryset


def overdue_q(today: datetime.date) -> Q:
    """Cases whose planned expansion is past its due date (CarrierCase.is_overdue)."""
    return Q(status=PlaceStatus.Kind.EXPANSION_PLANNED, due_date__lt=today)


class YesNoFilter(admin.SimpleListFilter):
    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request, queryset):
        condition = self.condition()
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class OverdueFilter(YesNoFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def condition(self) -> Q:
        return overdue_q(timezone.localdate())


class DisputedFilter(YesNoFilter):
    title = _("disputed")
    parameter_name = "disputed"

    def condition(self) -> Q:
        return Q(disputed_at__isnull=False)


@admin.register(CarrierCase)
class CarrierCaseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Every opened place, for organizers to read: they do not answer for carriers."""

    change_list_template = "admin/complaints/carriercase/change_list.html"
    list_display = [
        "place",
        "carrier_display",
        "opened_at",
        "opened_count",
        "status_display",
        "due_date",
        "overdue",
        "disputed_at",
        "first_answer_at",
    ]
    list_filter = [CarrierFilter, CaseStatusFilter, OverdueFilter, DisputedFilter]
    list_select_related = ["place", "place__parent"]
    search_fields = ["place__name"]
    date_hierarchy = "opened_at"

    @admin.display(description=_("carrier"), ordering="carrier")
    def carrier_display(self, obj):
        return obj.carrier_name

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        return desk.status_label(obj.status)

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue()

    def has_view_permission(self, request, obj=None):
        # A carrier user sees the list's entry on the index, which leads to its desk; the
        # admin's autocomplete asks the same question, and answers it from get_queryset.
        if obj is None and request.user.has_perm(ANSWER_PERMISSION):
            return True
        return super().has_view_permission(request, obj)

    def get_queryset(self, request):
        """Every case for those who may view them (organizers); a carrier user's own only
        (the autocomplete reads this), and none without a carrier."""
        found = super().get_queryset(request)
        if request.user.has_perm(VIEW_PERMISSION):
            return found
        scope = accounts.scope(request.user)
        return found.filter(carrier=scope) if scope else found.none()

    def changelist_view(self, request, extra_context=None):
        if not request.user.has_perm(VIEW_PERMISSION):
            return redirect("admin:complaints_carriercase_desk")
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        urls = [
            path("desk/", view(self.desk_view), name="complaints_carriercase_desk"),
            path(
                "<path:case_id>/answer/",
                view(self.answer_view),
                name="complaints_carriercase_answer",
            ),
        ]
        # Before the admin's own: its "<object_id>/" pattern would take "desk/" for an id.
        return [*urls, *super().get_urls()]

    def desk_view(self, request):
        if not may_use_desk(request.user):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        scope = accounts.scope(request.user)
        context = self._context(request, _("Carrier desk"))
        if scope == accounts.NOTHING:
            return TemplateResponse(request, DESK_TEMPLATE, {**context, "unlinked": True})
        carrier = self._chosen_carrier(request, scope)
        choices = list(settings.EINZELFALL_CARRIERS.items())
        page = Paginator(desk.cases(carrier), desk.PER_PAGE).get_page(request.GET.get("p"))
        context.update(
            carrier=carrier,
            carrier_name=carrier_name(carrier),
            # Only organizers choose, among several; a carrier user's desk is its carrier's.
            carriers=choices if scope is None and len(choices) > 1 else [],
            may_answer=scope == carrier and request.user.has_perm(ANSWER_PERMISSION),
            may_download=request.user.has_perm(EXPORT_PERMISSION),
            page=page,
            places=desk.desk_places(list(page.object_list)),
            response_stats=public.response_stats(carrier),
        )
        response = TemplateResponse(request, DESK_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response

    def _chosen_carrier(self, request, scope: str | None) -> str:
        """The scope's carrier; for an organizer the one asked for, else the first."""
        if scope is not None:
            return scope
        asked = request.GET.get("carrier", "")
        if asked in settings.EINZELFALL_CARRIERS:
            return asked
        if asked:
            messages.warning(request, _("There is no such carrier; here is the first one."))
        return next(iter(settings.EINZELFALL_CARRIERS))

    def answer_view(self, request, case_id):
        case = self._own_case(request, case_id)
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        form = AnswerForm(
            request.POST if request.method == "POST" else None,
            publish_directly=cases.publishes_directly(case.carrier),
        )
        statement = self._submit(request, case, form) if request.method == "POST" else None
        if statement is not None:
            messages.success(request, sent_message(statement))
            return redirect(reverse("admin:complaints_carriercase_desk") + f"#case-{case.pk}")
        place = desk.desk_places([case])[0]
        context = self._context(request, _("Answer for %(place)s") % {"place": case.place})
        context.update(form=form, place=place, case=case, carrier_name=case.carrier_name)
        response = TemplateResponse(request, ANSWER_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response

    def _submit(self, request, case, form):
        """The stored statement, or None with the form telling what is wrong."""
        if not form.is_valid():
            return None
        try:
            return cases.statement_submit(case=case, user=request.user, **form.cleaned_data)
        except cases.StatementRefused as refused:
            form.add_error(None, refused.message)
            return None

    def _own_case(self, request, case_id) -> CarrierCase:
        """The case, if it is of the user's carrier: another carrier's (or none) is a 404.
        Organizers read the desk but do not answer for a carrier."""
        if not request.user.has_perm(ANSWER_PERMISSION):
            raise PermissionDenied
        scope = accounts.scope(request.user)
        if scope is None:
            raise PermissionDenied
        # Digits as written in an address only: no sign, no full-width or superscript forms.
        digits = case_id.isascii() and case_id.isdigit()
        pk = parse_id(CarrierCase._meta.pk, case_id) if digits else None
        case = desk.cases(scope).filter(pk=pk).first() if pk is not None and scope else None
        if case is None:
            raise Http404
        return case

    def _context(self, request, title) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            # What a place's card says of its counts and draws its chart in.
            "quorum_days": settings.CARRIER_QUORUM_DAYS,
            "weeks": desk.WEEKS,
            "chart": desk.CHART_SIZE,
        }
