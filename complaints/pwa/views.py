"""The installable app: the web app manifest, the service worker and its icons (issue 22)."""

from django.http import Http404, HttpResponse


def manifest(request):
    raise Http404  # built in issue 22's PWA part


def service_worker(request):
    return HttpResponse("", content_type="text/javascript")


def icon(request, size):
    raise Http404
