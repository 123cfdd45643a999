"""The queue's bulk decisions, asked once more: the reports are shown (their redacted texts,
cities and problems) before anything is stored, and a rejection asks for its reason."""

import hashlib

from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from complaints import services
from complaints.models import Status
from complaints.moderation.forms import BulkDecisionForm

# How many of the selected reports the confirmation page lists; the rest are counted.
CONFIRM_SHOWN = 200

MODERATION_MESSAGES = {
    Status.PUBLISHED: ngettext_lazy(
        "%(count)d complaint published.", "%(count)d complaints published.", "count"
    ),
    Status.REJECTED: ngettext_lazy(
        "%(count)d complaint rejected.", "%(count)d complaints rejected.", "count"
    ),
    Status.SPAM: ngettext_lazy(
        "%(count)d complaint marked as spam.", "%(count)d complaints marked as spam.", "count"
    ),
}

CHANGED = _(
    "The selection has changed since it was shown (reports came in or were decided by someone "
    "else). Nothing was decided: here it is as it is now."
)

TITLES = {
    Status.PUBLISHED: _("Publish these reports?"),
    Status.REJECTED: _("Reject these reports?"),
    Status.SPAM: _("Mark these reports as spam?"),
}

BUTTONS = {
    Status.PUBLISHED: ngettext_lazy("Yes, publish %(count)d", "Yes, publish %(count)d", "count"),
    Status.REJECTED: ngettext_lazy("Yes, reject %(count)d", "Yes, reject %(count)d", "count"),
    Status.SPAM: ngettext_lazy(
        "Yes, mark %(count)d as spam", "Yes, mark %(count)d as spam", "count"
    ),
}


def digest(ids: list[int]) -> str:
    """Which reports a page showed, in a hidden field's length."""
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


def decide(model_admin, request, queryset, status, action):
    """The action: the confirmation page, or (when it was confirmed) the decision on exactly
    the reports the page showed."""
    confirmed = request.POST.get("confirm") == "yes"
    form = BulkDecisionForm(status, request.POST if confirmed else None)
    if confirmed and form.is_valid():
        upto = form.cleaned_data["shown_upto"]
        seen = queryset.filter(pk__lte=upto) if upto is not None else queryset.none()
        ids = sorted(seen.values_list("pk", flat=True))
        if (len(ids), digest(ids)) != (
            form.cleaned_data["shown_count"],
            form.cleaned_data["shown_digest"],
        ):
            messages.warning(request, CHANGED)
            form = BulkDecisionForm(status)  # shown afresh, with the selection as it is now
        else:
            changed = services.complaints_moderate(
                complaints=seen, status=status, moderator=request.user, reason=form.reason
            )
            model_admin.message_user(
                request, MODERATION_MESSAGES[status] % {"count": changed}, messages.SUCCESS
            )
            return None  # the admin goes back to the queue
    return confirmation_page(model_admin, request, queryset, status, form, action)


def confirmation_page(model_admin, request, queryset, status, form, action):
    """The standard intermediate page: the selection and the action again as hidden fields,
    so that "Yes" posts the same action on the same selection (and the same filters)."""
    queryset = queryset.order_by("submitted_at", "id")
    shown = list(queryset.select_related(None).prefetch_related("problems")[:CONFIRM_SHOWN])
    # The whole selection's ids, read once: its count, its highest id and its digest.
    ids = sorted(queryset.values_list("pk", flat=True))
    count = len(ids)
    if not form.is_bound:
        form.initial = {
            "shown_count": count,
            "shown_upto": ids[-1] if ids else None,
            "shown_digest": digest(ids),
        }
    context = {
        **model_admin.admin_site.each_context(request),
        "title": TITLES[status],
        "opts": model_admin.opts,
        "reports": shown,
        "count": count,
        "more": count - len(shown),
        "form": form,
        "button": BUTTONS[status] % {"count": count},
        "action": action,
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": model_admin.media,
    }
    return TemplateResponse(request, "admin/complaints/complaint/confirm_moderation.html", context)
