"""The site's URLs plus /bench/floor/ (bench/load.py only; never in the site's own URLs)."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from complaints.models import Complaint
from einzelfall.urls import urlpatterns as site_urlpatterns


@require_POST
def floor(request):
    """The floor of a submission: the same POST behind the same middleware (CSRF included),
    stored as one INSERT of the same row through the ORM, answered with a redirect. Nothing
    of the form's work: no validation, place matching, duplicate check, limits or stamp."""
    post = request.POST
    Complaint.objects.create(
        city=post.get("city", ""),
        district=post.get("district", ""),
        postal_code=post.get("postal_code", ""),
        technology=post.get("technology", "unknown"),
        frequency=post.get("frequency", ""),
        location=post.get("location", ""),
        description=post.get("description", ""),
        description_redacted=post.get("description", ""),
        email=post.get("email", ""),
        consent_at=timezone.now(),
        privacy_policy_version=settings.PRIVACY_POLICY_VERSION,
    )
    return HttpResponseRedirect("/")


urlpatterns = [path("bench/floor/", floor), *site_urlpatterns]
handler500 = "einzelfall.views.server_error"
