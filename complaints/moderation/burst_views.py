"""A burst's page: its reports side by side, and one decision marking them all as spam.

`desk/burst/<complaint id>/<kind>/` shows the burst of that kind (network, domain, text)
around that report; `?confirm=1` asks once more, with the number of pending reports; the
POST that form sends marks those of them still pending as spam (bursts.burst_mark_spam) and
leads back to the desk. Nothing on the page or in its URLs says what the burst's key is:
no hash, no network, no domain; the descriptions are the redacted ones."""

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import ngettext

from complaints.backoffice.hardening import ID_RANGE
from complaints.models import Complaint
from complaints.moderation import bursts
from complaints.moderation.views import CHANGE_PERMISSION

# The reports shown on the page; a bigger burst is marked as a whole all the same.
SHOWN = 120


def burst_urls(model_admin) -> list:
    """`desk/burst/<complaint id>/<kind>/`: the burst of that kind around that complaint."""

    def burst(request, pk, kind):
        return burst_view(request, model_admin, pk, kind)

    return [
        path(
            "desk/burst/<int:pk>/<str:kind>/",
            model_admin.admin_site.admin_view(burst),
            name="complaints_complaint_burst",
        )
    ]


def burst_view(request, model_admin, pk: int, kind: str):
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    if kind not in bursts.KINDS or pk not in ID_RANGE:
        raise Http404
    complaint = Complaint.objects.filter(pk=pk).first()
    found = bursts.burst_around(complaint, kind) if complaint is not None else None
    if found is None:
        raise Http404
    if request.method == "POST":
        return _marked(request, complaint, kind)
    if request.method not in {"GET", "HEAD"}:
        raise BadRequest
    shown = (
        Complaint.objects.filter(pk__in=found.ids[:SHOWN])
        .order_by("submitted_at", "pk")
        .prefetch_related("problems")
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": found.burst.label,
        "burst": found.burst,
        "found": found,
        "complaint": complaint,
        "reports": shown,
        "more": max(0, len(found.ids) - SHOWN),
        "confirming": request.GET.get("confirm") == "1" and found.burst.pending > 0,
        "pending_ids": ",".join(map(str, found.pending_ids)),
        "desk_url": _desk_url(),
    }
    return TemplateResponse(request, "admin/complaints/complaint/burst.html", context)


def _posted_ids(request) -> list[int]:
    """The ids the confirmation form sent: a comma-separated list of numbers (one field, so
    that a burst of thousands stays within DATA_UPLOAD_MAX_NUMBER_FIELDS); 400 otherwise."""
    value = request.POST.get("ids", "")
    parts = value.split(",") if value else []
    if not parts or not all(part.isascii() and part.isdigit() for part in parts):
        raise BadRequest
    ids = [int(part) for part in parts]
    if not all(pk in ID_RANGE for pk in ids):
        raise BadRequest
    return ids


def _marked(request, complaint: Complaint, kind: str):
    count = bursts.burst_mark_spam(
        complaint=complaint, kind=kind, ids=_posted_ids(request), moderator=request.user
    )
    messages.success(
        request,
        ngettext(
            "%(count)d report of the burst marked as spam.",
            "%(count)d reports of the burst marked as spam.",
            count,
        )
        % {"count": count},
    )
    return HttpResponseRedirect(_desk_url())


def _desk_url() -> str:
    """The desk; the queue while there is none (the desk is another part's URL)."""
    try:
        return reverse("admin:complaints_complaint_desk")
    except NoReverseMatch:
        return reverse("admin:complaints_complaint_changelist")
