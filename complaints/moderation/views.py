"""The moderation desk's pages (registered by ComplaintAdmin.get_urls): one pending report at
a time, decided with a key or a button.

With JavaScript (static/js/desk.js sends `X-Desk: 1`) every action answers with the next card
as an HTML fragment, one request per decision; without it the same forms post and answer with
a redirect to the desk (303). What the moderator has seen, skipped and is looking at lives in
the session (SESSION_KEY). Every answer carries `Server-Timing: desk;dur=<ms>`.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import services
from complaints.backoffice.hardening import parse_id
from complaints.models import Complaint, RejectionReason, Status
from complaints.moderation import bursts, desk, selectors

CHANGE_PERMISSION = "complaints.change_complaint"
SESSION_KEY = "desk"
SHOWN_KEPT = 50  # how far back `k` goes
SKIPPED_KEPT = 200  # reports skipped in this session, not offered again
HEADER = "HTTP_X_DESK"

STALE_MESSAGES = {
    "invalid": gettext_lazy("That was not a decision the desk knows. Here is the next report."),
    "gone": gettext_lazy("That report does not exist (any more). Here is the next one."),
    "decided": gettext_lazy(
        "Report #%(id)s was decided by someone else meanwhile. Here is the next one."
    ),
    "claimed": gettext_lazy(
        "Report #%(id)s is being moderated by someone else. Here is the next one."
    ),
    "reason": gettext_lazy("Choose one of the offered reasons to reject report #%(id)s."),
    "too_long": gettext_lazy("The text of report #%(id)s is too long; nothing was decided."),
    "unreadable": gettext_lazy(
        "The text of report #%(id)s holds characters that cannot be stored; nothing was decided."
    ),
    "unchanged": gettext_lazy("Report #%(id)s already has that decision; nothing changed."),
}
# Stale decisions after which the same report stays on the desk (the moderator fixes it).
STAY = {"reason", "too_long", "unreadable"}


def decided_message(decided: desk.Decided) -> str:
    values = {"id": decided.complaint_id}
    if not decided.recorded:
        return _("The text of report #%(id)s is saved; it already had that decision.") % values
    if decided.status == Status.PUBLISHED:
        return _("#%(id)s published — u to undo") % values
    if decided.status == Status.SPAM:
        return _("#%(id)s marked as spam — u to undo") % values
    values["reason"] = decided.reason.name if decided.reason else ""
    return _("#%(id)s rejected (%(reason)s) — u to undo") % values


class State:
    """The moderator's walk through the desk, kept in the session: the reports shown (for
    `k`), which of them is shown now (cursor; past the end: none, the queue was empty), and
    the skipped ones."""

    def __init__(self, request):
        self.request = request
        stored = request.session.get(SESSION_KEY)
        stored = stored if isinstance(stored, dict) else {}
        self.shown: list[int] = [i for i in stored.get("shown", []) if isinstance(i, int)]
        self.skipped: list[int] = [i for i in stored.get("skipped", []) if isinstance(i, int)]
        cursor = stored.get("cursor")
        valid = isinstance(cursor, int) and 0 <= cursor <= len(self.shown)
        self.cursor: int = cursor if valid else max(len(self.shown) - 1, 0)
        self.back: bool = bool(stored.get("back"))

    @property
    def current(self) -> int | None:
        return self.shown[self.cursor] if self.cursor < len(self.shown) else None

    def show(self, complaint_id: int | None, *, back: bool = False) -> None:
        """Make `complaint_id` the shown report (None: none, the queue is empty)."""
        self.back = back
        if complaint_id is None:
            self.cursor = len(self.shown)
        elif complaint_id != self.current:
            self.shown = [*self.shown, complaint_id][-SHOWN_KEPT:]
            self.cursor = len(self.shown) - 1

    def skip(self, complaint_id: int) -> None:
        self.skipped = [*self.skipped, complaint_id][-SKIPPED_KEPT:]

    def save(self) -> None:
        self.request.session[SESSION_KEY] = {
            "shown": self.shown,
            "skipped": self.skipped,
            "cursor": self.cursor,
            "back": self.back,
        }


def desk_view(view, model_admin, *, post_only: bool):
    """A desk view for moderators and organizers only, timing the server's part."""

    def wrapped(request, *args, **kwargs):
        started = time.perf_counter()
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        if request.method not in (["POST"] if post_only else ["GET", "HEAD"]):
            return HttpResponseNotAllowed(["POST"] if post_only else ["GET", "HEAD"])
        response = view(request, model_admin, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        response["Server-Timing"] = f"desk;dur={(time.perf_counter() - started) * 1000:.1f}"
        response["Cache-Control"] = "no-store"
        return response

    return wrapped


def _next(request, state: State) -> None:
    """Claim the next report for this moderator and make it the shown one."""
    state.show(desk.desk_next(moderator=request.user, skipped=state.skipped))


def _context(request, model_admin, state: State, message: str = "") -> dict:
    complaint = desk.desk_card(state.current) if state.current is not None else None
    reasons = desk.desk_reasons()
    context = {
        "complaint": complaint,
        "duplicates": desk.desk_duplicates(complaint) if complaint else [],
        "bursts": bursts.bursts_of(complaint) if complaint else [],
        "reasons": reasons,
        "pending": desk.desk_pending_count(),
        "count_cap": selectors.COUNT_CAP,
        "message": message,
        "can_go_back": state.cursor > 0,
        "carriers_shown": len(settings.EINZELFALL_CARRIERS) > 1,
        "opts": model_admin.model._meta,
    }
    if complaint is not None:
        context["fingerprint"] = services.redacted_fingerprint(complaint.description_redacted)
        context["problems"] = ", ".join(p.name for p in complaint.problems.all())
        context["held_by_other"] = desk.held_by_other(complaint, request.user)
    return context


def _answer(request, model_admin, state: State, message: str = ""):
    """The next card: a fragment for desk.js, else a redirect to the desk (303)."""
    state.save()
    if request.META.get(HEADER) == "1":
        context = _context(request, model_admin, state, message)
        return TemplateResponse(request, "admin/complaints/complaint/_desk_main.html", context)
    if message:
        messages.info(request, message)
    response = redirect("admin:complaints_complaint_desk")
    response.status_code = 303
    return response


def desk_page(request, model_admin):
    state = State(request)
    current = state.current
    # The report shown before stays on a reload while this moderator holds it, or (reached
    # with `k` or undo) whatever its status now; otherwise the next one.
    held = current is not None and desk.desk_claim(complaint_id=current, moderator=request.user)
    if not held and not (state.back and current is not None and _exists(current)):
        _next(request, state)
    state.save()
    context = {
        **model_admin.admin_site.each_context(request),
        **_context(request, model_admin, state),
        "title": _("Moderation desk"),
        # The whole width for the card: it must fit a 1366 x 768 screen without scrolling.
        "is_nav_sidebar_enabled": False,
    }
    return TemplateResponse(request, "admin/complaints/complaint/desk.html", context)


def _exists(complaint_id: int) -> bool:
    return Complaint.objects.filter(pk=complaint_id).exists()


def _id(value) -> int | None:
    return parse_id(Complaint._meta.pk, value) if value not in (None, "") else None


def decide(request, model_admin, pk):
    state = State(request)
    complaint_id = _id(pk)
    post = request.POST
    status_shown = post.get("status_shown", Status.PENDING)
    reason_id = parse_id(RejectionReason._meta.pk, post.get("reason") or "")
    try:
        decided = desk.desk_decide(
            moderator=request.user,
            complaint_id=complaint_id,
            decision=post.get("decision", ""),
            reason_id=reason_id,
            status_shown=status_shown if status_shown in Status.values else "",
            redacted=post.get("description_redacted"),
            redacted_shown=post.get("description_redacted_shown", ""),
        )
    except desk.Stale as stale:
        message = STALE_MESSAGES[stale.code] % {"id": stale.complaint_id or "?"}
        if stale.code not in STAY or complaint_id != state.current:
            _next(request, state)
        return _answer(request, model_admin, state, message)
    _next(request, state)
    return _answer(request, model_admin, state, decided_message(decided))


def skip(request, model_admin):
    state = State(request)
    complaint_id = _id(request.POST.get("complaint"))
    if complaint_id is not None:
        desk.desk_release(complaint_id=complaint_id, moderator=request.user)
        state.skip(complaint_id)
    else:  # "look again" on the empty desk: the skipped reports come back
        state.skipped = []
    _next(request, state)
    return _answer(request, model_admin, state)


def previous(request, model_admin):
    state = State(request)
    message = ""
    if state.cursor > 0:
        if state.current is not None:  # the report left is free for the others again
            desk.desk_release(complaint_id=state.current, moderator=request.user)
        state.cursor -= 1
        state.back = True
        # A pending report shown before is held again, if nobody else took it meanwhile.
        desk.desk_claim(complaint_id=state.current, moderator=request.user)
    else:
        message = _("This is the first report you saw here.")
    return _answer(request, model_admin, state, message)


def undo(request, model_admin):
    state = State(request)
    complaint_id, undone = desk.desk_undo(moderator=request.user)
    if complaint_id is None:
        message = _("Nothing to undo.")
    elif undone:
        message = _("Decision on #%(id)s undone.") % {"id": complaint_id}
        state.show(complaint_id, back=True)
    else:
        message = _("#%(id)s was decided again since; your decision stays.") % {"id": complaint_id}
    return _answer(request, model_admin, state, message)


def desk_urls(model_admin) -> list:
    """The desk's URL patterns, under <admin>/complaints/complaint/ (before the admin's own)."""

    def route(route_path, view, name, post_only=True):
        wrapped = desk_view(view, model_admin, post_only=post_only)
        return path(route_path, model_admin.admin_site.admin_view(wrapped), name=name)

    return [
        route("desk/", desk_page, "complaints_complaint_desk", post_only=False),
        route("desk/skip/", skip, "complaints_complaint_desk_skip"),
        route("desk/previous/", previous, "complaints_complaint_desk_previous"),
        route("desk/undo/", undo, "complaints_complaint_desk_undo"),
        route("desk/<str:pk>/decide/", decide, "complaints_complaint_desk_decide"),
    ]
