"""The pages of following a place (complaints/campaign/follow.py does the work)."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from complaints.campaign import follow
from complaints.campaign.follow_forms import FollowForm
from complaints.intake import abuse
from complaints.models import Place
from complaints.places import selectors as place_selectors
from complaints.responses import private


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_place(request):
    """The form; sent, it always leads to the same "check your mail" page (bots and
    addresses that follow the place already included: the page tells nobody anything)."""
    if request.method != "POST":
        return _page(request, FollowForm(initial=_initial(request)), abuse.form_stamp())
    form, stamp = FollowForm(request.POST), abuse.judge(request.POST)
    if stamp is abuse.Stamp.BOT:
        return redirect("complaints:follow-sent")
    if stamp is abuse.Stamp.EXPIRED:
        form.is_valid()
        form.add_error(
            None,
            gettext(
                "This form was open for a long time. Please check your entries and send it again."
            ),
        )
        return _page(request, form, abuse.form_stamp_again())
    if not form.is_valid() or stamp is abuse.Stamp.QUICK:
        posted = request.POST.get(abuse.STAMP_FIELD, "")
        return _page(request, form, posted, confirm_step=form.is_valid())
    if not abuse.claim_stamp(request.POST):  # a double click: the first one is at work
        return redirect("complaints:follow-sent")
    wait = follow.over_limit(abuse.client_ip(request))
    if wait:
        abuse.release_stamp(request.POST)
        response = render(request, "complaints/follow_throttled.html", status=429)
        response["Retry-After"] = str(wait)
        return response
    data = form.cleaned_data
    follow.follow_request(
        email=data["email"],
        city=data["city_place"],
        district=data["district_place"],
        language=data["language"],
        newsletter=data["newsletter"],
    )
    return redirect("complaints:follow-sent")


def _initial(request) -> dict:
    """The city page's button names its city by slug; the mails' language is the page's."""
    initial = {"language": (get_language() or "de").split("-")[0]}
    slug = request.GET.get("city", "")[:200]
    city = slug and Place.objects.filter(slug=slug, kind=Place.Kind.CITY, merged_into=None).first()
    if city:  # the slug rides along: of several cities of that name, this one is meant
        initial["city"], initial["city_slug"] = follow.city_label(city), city.slug
    return initial


def _page(request, form, stamp: str, confirm_step: bool = False):
    context = {
        "form": form,
        "form_stamp": stamp,
        "honeypot": abuse.HONEYPOT_FIELD,
        "confirm_step": confirm_step,
        "city_names": place_selectors.largest_city_names(),
    }
    return render(request, "complaints/follow.html", context)


@require_GET
def follow_sent(request):
    return render(request, "complaints/follow_sent.html")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow_confirm(request, token):
    """The link in the confirmation mail: a button (GET), the confirmation (POST)."""
    found = follow.followers_for(token, follow.CONFIRM)
    if not found:
        raise Http404
    follower = found[0]
    if request.method == "POST":
        follow.follower_confirm(follower=follower)
    city = follow.city_label(follower.city) if follower.city_id else ""
    context = {"follower": follower, "place": follow.place_name(follower), "city": city}
    return private(render(request, "complaints/follow_confirm.html", context))


@never_cache
@csrf_exempt  # RFC 8058: mail programs POST here without a form; the signed token is the key
@require_http_methods(["GET", "HEAD", "POST"])
def follow_unsubscribe(request, token):
    """A place's unsubscribe link: a button (GET); the POST deletes the row, or with
    scope=all every row of the address."""
    found = follow.followers_for(token, follow.UNSUBSCRIBE)
    if not found:
        raise Http404
    follower = found[0]
    # A row that is the newsletter alone: its link is the newsletter's (the row goes).
    newsletter = follower.city_id is None
    context = {"place": follow.place_name(follower), "token": token, "newsletter": newsletter}
    if request.method == "POST":
        if request.POST.get("scope") == "all":
            follow.address_unsubscribe(follower=follower)
            context["done_all"] = True
        else:
            follow.follower_unsubscribe(follower=follower)
        context["done"] = True
    return private(render(request, "complaints/follow_unsubscribe.html", context))


@never_cache
@csrf_exempt  # RFC 8058, as above
@require_http_methods(["GET", "HEAD", "POST"])
def newsletter_unsubscribe(request, token):
    """The newsletter's unsubscribe link: no more newsletters (the places stay followed), or
    with scope=all nothing at all any more."""
    found = follow.followers_for(token, follow.NEWSLETTER)
    if not found:
        raise Http404
    context = {"newsletter": True, "token": token}
    if request.method == "POST":
        if request.POST.get("scope") == "all":
            follow.address_unsubscribe(follower=found[0])
            context["done_all"] = True
        else:
            follow.newsletter_unsubscribe(followers=found)
        context["done"] = True
    return private(render(request, "complaints/follow_unsubscribe.html", context))
