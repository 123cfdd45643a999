"""The report form's pages: the form, the thanks page with the private link, the email
confirmation and the deletion by the submitter."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from complaints import selectors, services
from complaints.intake import abuse, confirmation
from complaints.intake import services as intake
from complaints.intake.forms import ComplaintForm
from complaints.models import Complaint
from complaints.places import selectors as place_selectors
from complaints.responses import private
from einzelfall.cache import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    """The form; sent, the intake service decides and _ANSWERS answers each outcome."""
    if request.method != "POST":
        return _report_page(request, ComplaintForm())
    form = ComplaintForm(request.POST)
    outcome = intake.submit(
        posted=request.POST,
        cleaned=lambda: form.cleaned_data if form.is_valid() else None,
        sender=intake.Sender(
            ip=abuse.client_ip(request),
            sent_cookie=request.COOKIES.get(abuse.SENT_COOKIE, ""),
            language=get_language() or "de",
        ),
    )
    if _wants_json(request):
        return _json_answer(request, form, outcome)
    return _ANSWERS[outcome.kind](request, form, outcome)


def _wants_json(request) -> bool:
    """The offline queue (static/js) asks for JSON; a browser's form post (text/html, */*)
    gets the pages."""
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _json_answer(request, form, outcome):
    """The outcome as the offline queue reads it (SPEC: the contract of POST /report/)."""
    kind = outcome.kind
    if kind is intake.Kind.STORED:
        link = outcome.complaint.private_url()
        response = _json(request, {"outcome": "stored", "private_url": link}, status=201)
        abuse.remember_sent(response, request.POST)
        confirmation.send_after(response, outcome.complaint, request)
        return response
    if kind in (intake.Kind.DUPLICATE, intake.Kind.SENT_BEFORE):
        link = reverse("complaints:thanks", args=[outcome.reference])
        status = 200 if kind is intake.Kind.DUPLICATE else 409
        return _json(request, {"outcome": kind.value, "private_url": link}, status=status)
    if kind is intake.Kind.THROTTLED:
        response = _json(request, {"outcome": "throttled", "retry_after": outcome.wait}, 429)
        response["Retry-After"] = str(outcome.wait)
        return response
    if kind is intake.Kind.UNCHECKED:
        wait = abuse.seconds_until_checked(request.POST)
        return _json(request, {"outcome": "unchecked", "retry_after": wait}, status=202)
    if kind is intake.Kind.DROPPED:
        return _json(request, {"outcome": "received"})
    errors = {field: list(messages) for field, messages in form.errors.items()}
    if outcome.errors:
        errors.setdefault(NON_FIELD_ERRORS, []).extend(outcome.errors)
    # Not dated back as on the HTML page: a script sending it at once is told to wait
    # (unchecked), so one form fetched does not store report after report.
    stamp = abuse.form_stamp() if outcome.new_stamp else None
    body = {"outcome": "refused", "errors": errors, "form_stamp": stamp}
    return _json(request, body, status=400)


def _json(request, body, status=200):
    """A JSON answer nobody keeps (it may carry the private link); private_url made absolute."""
    if "private_url" in body:
        body["private_url"] = request.build_absolute_uri(body["private_url"])
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return private(response)


def _stored(request, form, outcome):
    response = redirect(outcome.complaint.private_url())
    abuse.remember_sent(response, request.POST)
    confirmation.send_after(response, outcome.complaint, request)
    return response


def _duplicate(request, form, outcome):
    return redirect("complaints:thanks", reference=outcome.reference)


def _sent_before(request, form, outcome):
    return _report_page(request, form, sent_before=outcome.reference)


def _throttled(request, form, outcome):
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(outcome.wait)
    return response


def _refused(request, form, outcome):
    if outcome.errors:
        form.add_error(None, list(outcome.errors))
    return _report_page(request, form, fresh_stamp=outcome.new_stamp, another=outcome.another)


def _unchecked(request, form, outcome):
    return _report_page(request, form, confirm_step=True)


def _dropped(request, form, outcome):
    return redirect("complaints:received")


_ANSWERS = {
    intake.Kind.STORED: _stored,
    intake.Kind.DUPLICATE: _duplicate,
    intake.Kind.SENT_BEFORE: _sent_before,
    intake.Kind.THROTTLED: _throttled,
    intake.Kind.REFUSED: _refused,
    intake.Kind.UNCHECKED: _unchecked,
    intake.Kind.DROPPED: _dropped,
}


def _report_page(
    request, form, *, fresh_stamp=False, confirm_step=False, sent_before=None, another=False
):
    context = {
        "form": form,
        "city_names": place_selectors.largest_city_names(),
        "form_stamp": _stamp_for(request, fresh_stamp),
        "honeypot": abuse.HONEYPOT_FIELD,
        "confirm_step": confirm_step,
        "sent_before": sent_before,
        "another": another or sent_before is not None,
        "another_field": abuse.ANOTHER_FIELD,
    }
    return render(request, "complaints/report.html", context)


def _stamp_for(request, fresh: bool) -> str:
    """A form shown again keeps the stamp of its first showing: a typo does not restart the
    clock. A new stamp for a form shown again is dated back: the person has spent the time."""
    if request.method != "POST":
        return abuse.form_stamp()
    posted = request.POST.get(abuse.STAMP_FIELD, "")
    if fresh or not posted or abuse.stamp_spent(request.POST):
        return abuse.form_stamp_again()
    return posted


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """The link in the confirmation mail: a button (GET), the confirmation (POST)."""
    complaint = confirmation.complaint_for(token)
    if complaint is None:
        raise Http404
    if request.method == "POST":
        intake.email_confirm(complaint=complaint)
        return private(render(request, "complaints/confirmed.html", {"complaint": complaint}))
    return private(render(request, "complaints/confirm.html", {"complaint": complaint}))


def received(request):
    """What a bot is told: the same words as a success, no private link."""
    return render(request, "complaints/received.html")


@never_cache
def thanks(request, reference):
    # The URL is the submitter's private link: never cached, never indexed.
    complaint = get_object_or_404(
        Complaint.objects.prefetch_related("problems"), reference=reference
    )
    context = {
        "complaint": complaint,
        "private_link": request.build_absolute_uri(complaint.private_url()),
        "counter": _counter_if_available(),
    }
    return private(render(request, "complaints/thanks.html", context))


def _counter_if_available() -> int | None:
    """The public counter, or None while the cache (Redis) cannot be reached: the page that
    says a report is stored must say so even then (a report stored just before Redis went
    away leads here)."""
    try:
        return selectors.public_counter()
    except CACHE_UNREACHABLE as error:
        logger.error("The counter could not be read (%s)", type(error).__name__)
        return None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request, reference):
    """The submitter's own report, deleted for good after a confirmation (POST)."""
    complaint = get_object_or_404(Complaint, reference=reference)
    if request.method == "POST":
        services.complaint_delete(complaint=complaint)
        return redirect("complaints:deleted")
    return private(render(request, "complaints/delete.html", {"complaint": complaint}))


@never_cache
def deleted(request):
    return render(request, "complaints/deleted.html")


@require_http_methods(["GET", "HEAD"])
def report_token(request):
    """A CSRF token (and its cookie) for the offline queue: a report kept on the phone for
    days is sent once more with it after the server refused its old one (403)."""
    response = JsonResponse({"csrf_token": get_token(request)})
    response["Cache-Control"] = "no-store"
    return response
