"""A burst's page: its reports side by side, and one decision marking them all as spam.

STUB written by the lead: the forensics helper fills it in."""

from django.http import Http404
from django.urls import path


def burst_urls(model_admin) -> list:
    """`desk/burst/<complaint id>/<kind>/`: the burst of that kind around that complaint."""

    def burst(request, pk, kind):
        raise Http404

    return [
        path(
            "desk/burst/<int:pk>/<str:kind>/",
            model_admin.admin_site.admin_view(burst),
            name="complaints_complaint_burst",
        )
    ]
