"""The report form's pages: the form, the thanks page with the private link, the email
confirmation and the deletion by the submitter."""

import logging

import psycopg
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from complaints import selectors, services
from complaints.intake import abuse, confirmation
from complaints.intake import service as intake
from complaints.intake.forms import ComplaintForm
from complaints.models import Complaint
from complaints.places import selectors as place_selectors
from complaints.responses import private
from einzelfall.cache import CACHE_UNREACHABLE

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "HEAD", "POST"])
def report(request):
    posted = request.method == "POST"
    stamp = abuse.judge(request.POST) if posted else None
    if stamp is abuse.Stamp.BOT:
        # Answered like a success, stored nowhere (complaints/intake/abuse.py says why).
        return redirect("complaints:received")
    form = ComplaintForm(request.POST if posted else None)
    fresh_stamp = False
    if stamp is abuse.Stamp.EXPIRED:
        form.is_valid()  # the field errors too, then one more line for the whole form
        form.add_error(
            None,
            _("This form was open for a long time. Please check your entries and send it again."),
        )
        fresh_stamp = True
    elif posted and form.is_valid():
        if stamp is abuse.Stamp.QUICK:
            # Complete and valid within seconds of being shown: a bot, or a person whose
            # browser filled the form in. Nothing is stored; the form comes back filled in, to
            # be checked and sent once more with the same stamp (a bot that posts once, at
            # once, stores nothing; a person is never dropped silently).
            return _report_page(request, form, confirm_step=True)
        earlier, same = abuse.sent_before(request)
        if earlier and not Complaint.objects.filter(reference=earlier).exists():
            earlier, same = None, False  # deleted by its sender since: a new report
        if same:  # the back button, the very same form again: one report
            return redirect("complaints:thanks", reference=earlier)
        if earlier:  # the back button, the form changed: another report, or a second try?
            return _report_page(request, form, sent_before=earlier)
        # The stamp first (a form sent again is not counted against the limits), claimed in
        # one atomic step, and given back when the limits refuse the report.
        if not abuse.claim_stamp(request.POST):
            return _sent_before(request, form)
        try:
            wait = abuse.over_limit(request)
        except BaseException:
            abuse.release_stamp(request.POST)  # the cache failed: the form may be sent again
            raise
        if wait:
            abuse.release_stamp(request.POST)
            response = render(request, "429.html", status=429)
            response["Retry-After"] = str(wait)
            return response
        try:
            complaint = _submit(request, form.cleaned_data)
        except ValidationError as error:
            # The form checks everything the model does; this is the safety net for a rule
            # added to one and not the other: a message instead of a 500.
            abuse.release_stamp(request.POST)
            form.add_error(None, error.messages)
        except BaseException:
            abuse.release_stamp(request.POST)  # the same form may be sent again
            raise
        else:
            try:
                abuse.stamp_stored(request.POST, complaint.reference)
            except Exception as error:
                # The report is stored: a cache that fails now must not answer "nothing was
                # stored" (the 503 page) and have it sent again. The stamp stays claimed.
                logger.error(
                    "Complaint %s stored, its form stamp not (%s)",
                    complaint.pk,
                    type(error).__name__,
                )
            confirmation.send(complaint, request)
            response = redirect(complaint.private_url())
            abuse.remember_sent(response, request.POST)
            return response
    return _report_page(request, form, fresh_stamp=fresh_stamp)


def _submit(request, data):
    committing = not transaction.get_connection().in_atomic_block
    try:
        return _submit_once(request, data)
    except IntegrityError as error:
        if not (committing and _foreign_key_refused(error)):
            raise
        # The database refused the commit for a foreign key: a place the report was matched
        # to was deleted in that very moment (manage.py load_places with a newer data set).
        # Once more: the places are checked again (intake._live_match), and the report is
        # stored, unmatched if need be.
        logger.warning("A report was refused at its commit (a place gone); stored again")
        return _submit_once(request, data)


def _foreign_key_refused(error: IntegrityError) -> bool:
    cause = error.__cause__
    return isinstance(cause, psycopg.errors.ForeignKeyViolation) or (
        "FOREIGN KEY constraint failed" in str(error)  # SQLite's words
    )


def _submit_once(request, data):
    client = abuse.client_ip(request)
    return intake.complaint_submit(
        carrier=data["carrier"],
        problems=data["problems"],
        city=data["city"],
        district=data["district"],
        postal_code=data["postal_code"],
        technology=data["technology"],
        frequency=data["frequency"],
        since=data["since"],
        location=data["location"],
        description=data["description"],
        email=data["email"],
        followup=data.get("followup", False),
        language=get_language() or "de",
        ip_hash=abuse.ip_hash(client),
        recent_ip_hashes=abuse.recent_ip_hashes(client),
    )


def _sent_before(request, form):
    """A form whose stamp already stored a report: the very same form again (a double click,
    a browser sending it twice) leads to that report's private link; a different one (back
    button, changed, sent again) is shown again, to be sent once more."""
    reference = abuse.earlier_reference(request.POST)
    if reference is not None:
        return redirect("complaints:thanks", reference=reference)
    form.add_error(
        None,
        _("This form has already been sent. Please check your entries and send it again."),
    )
    # The person has been told: sent once more, it is another report (no second question).
    return _report_page(request, form, fresh_stamp=True, another=True)


def _report_page(
    request, form, *, fresh_stamp=False, confirm_step=False, sent_before=None, another=False
):
    # A form shown again keeps the stamp of its first showing: correcting a typo does not
    # restart the clock. A form that needs a new stamp gets one dated back: the person has
    # spent the time already.
    posted = request.POST.get(abuse.STAMP_FIELD, "") if request.method == "POST" else ""
    if fresh_stamp or not posted or abuse.stamp_spent(request.POST):
        stamp = abuse.form_stamp_again() if request.method == "POST" else abuse.form_stamp()
    else:
        stamp = posted
    context = {
        "form": form,
        "city_names": place_selectors.largest_city_names(),
        "form_stamp": stamp,
        "honeypot": abuse.HONEYPOT_FIELD,
        "confirm_step": confirm_step,
        "sent_before": sent_before,
        "another": another or sent_before is not None,
        "another_field": abuse.ANOTHER_FIELD,
    }
    return render(request, "complaints/report.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """The link in the confirmation mail: a button (GET), the confirmation (POST)."""
    complaint = confirmation.complaint_for(token)
    if complaint is None:
        raise Http404
    if request.method == "POST":
        confirmation.confirm(complaint)
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
