"""Sharing: the hand-over to the Mastodon server a person names (sharing.py builds links).

A GET form on the share block sends the server's name and the page. The answer names the
server and moves on to its share page (a Refresh, not a 302: browsers hold a form's
redirects to the page's CSP form-action 'self'), with this site's text and the page's
address only. A request that did not come from one of this site's pages (a link someone else
made) gets the same page without the Refresh: the site is no open redirect.
"""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import sharing


class MastodonShareForm(forms.Form):
    instance = forms.CharField(required=False)
    page = forms.CharField(required=False, strip=False)

    def clean_instance(self) -> str:
        return sharing.mastodon_host(self.cleaned_data["instance"])

    def clean_page(self) -> tuple[str, str]:
        found = sharing.page(self.cleaned_data["page"] or reverse(sharing.STATS))
        if found is None:
            raise ValidationError(sharing.MESSAGES["page"], code="page")
        return found


@never_cache
@require_safe
def mastodon(request):
    if "instance" not in request.GET:
        return _form_page(request, MastodonShareForm(initial={"page": request.GET.get("page")}))
    form = MastodonShareForm(request.GET)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    host = form.cleaned_data["instance"]
    path, text = form.cleaned_data["page"]
    url = request.build_absolute_uri(path)
    target = sharing.mastodon_url(host, text, url)
    forward = _sent_from_this_site(request)
    context = {"host": host, "target": target, "text": text, "page": path, "url": url}
    response = render(request, "complaints/share_mastodon.html", {**context, "forward": forward})
    if forward:
        response["Refresh"] = f"0; url={target}"
    # The server learns nothing of the page the person came from (a private link, say).
    response["Referrer-Policy"] = "no-referrer"
    return response


def _form_page(request, form, status=200):
    """The form on a page of its own: empty, or again with what was wrong."""
    page = form.data.get("page") if form.is_bound else form.initial.get("page")
    if sharing.page(page or "") is None:
        page = reverse(sharing.STATS)
    context = {
        "form": form,
        "page": page,
        "instance": form.data.get("instance", "") if form.is_bound else "",
        "errors": [*form.errors.get("instance", []), *form.errors.get("page", [])],
    }
    return render(request, "complaints/share_mastodon.html", context, status=status)


def _sent_from_this_site(request) -> bool:
    """Whether the form was sent from one of this site's pages: the browser's Sec-Fetch-Site,
    or, from a browser without it, the Referer's origin (the site's policy sends it)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    referer = urlsplit(request.headers.get("Referer", ""))
    return f"{referer.scheme}://{referer.netloc}" == f"{request.scheme}://{request.get_host()}"
