import logging

from django.shortcuts import render

from complaints import selectors
from complaints.campaign import milestones
from complaints.campaign import selectors as campaign_selectors

logger = logging.getLogger(__name__)


def landing(request):
    counter = selectors.public_counter()
    context = {
        "counter": counter,
        "progress": milestones.progress(counter),
        "updates": campaign_selectors.latest_updates(),
    }
    return render(request, "complaints/landing.html", context)


def csrf_failure(request, reason=""):
    """The friendly 403 page for a form sent without a valid CSRF token."""
    return render(request, "403_csrf.html", status=403)
