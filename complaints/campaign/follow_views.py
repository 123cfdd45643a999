"""The pages of following a place (complaints/campaign/follow.py does the work)."""

from django.http import HttpResponse


def follow(request):
    return HttpResponse("")
