"""The campaign's public pages: its news, and the follow-up question's answer and
unsubscribe links."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from complaints.campaign import feeds, followups, services
from complaints.campaign import selectors as campaign_selectors
from complaints.campaign.forms import FollowupForm
from complaints.models import FollowupAnswer
from complaints.responses import private

UPDATES_PER_PAGE = 10


@require_GET
def updates(request):
    """The organizer's updates and the carriers' published statements, newest first. Both
    are few (dozens in a campaign), so they are merged in memory."""
    items = sorted(
        [*campaign_selectors.published_updates(), *feeds.news()],
        key=lambda item: item.published_at,
        reverse=True,
    )
    page = Paginator(items, UPDATES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "complaints/updates.html", {"page": page})


@require_GET
def update(request, slug):
    item = get_object_or_404(campaign_selectors.published_updates(), slug=slug)
    return render(request, "complaints/update.html", {"update": item})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def followup(request, token):
    """An answer link from the follow-up mail: the answer selected (GET), stored (POST)."""
    complaint = followups.complaint_for(token, followups.ANSWER)
    if complaint is None:
        raise Http404
    if complaint.followup_answer:  # the first answer stands
        return private(render(request, "complaints/followup_done.html", {"complaint": complaint}))
    if request.method == "POST":
        form = FollowupForm(request.POST)
        if form.is_valid():
            services.followup_answer(
                complaint=complaint,
                answer=form.cleaned_data["answer"],
                comment=form.cleaned_data["comment"],
            )
            complaint.refresh_from_db()
            context = {"complaint": complaint, "thanks": True}
            return private(render(request, "complaints/followup_done.html", context))
    else:
        choice = request.GET.get("answer")
        form = FollowupForm(initial={"answer": choice if choice in FollowupAnswer.values else None})
    return private(
        render(request, "complaints/followup.html", {"form": form, "complaint": complaint})
    )


@never_cache
@csrf_exempt  # RFC 8058: mail programs POST here without a form; the signed token is the key
@require_http_methods(["GET", "HEAD", "POST"])
def followup_unsubscribe(request, token):
    complaint = followups.complaint_for(token, followups.UNSUBSCRIBE)
    if complaint is None:
        raise Http404
    if request.method == "POST":
        services.followup_unsubscribe(complaint=complaint)
        complaint.refresh_from_db()
    context = {"complaint": complaint, "done": complaint.followup_unsubscribed_at is not None}
    return private(render(request, "complaints/unsubscribe.html", context))
