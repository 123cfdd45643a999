"""The nearest city and district to a position the browser rounded (issue 22)."""

from django.http import Http404


def nearest(request):
    raise Http404  # built in issue 22's location part


def centroids(request):
    raise Http404
