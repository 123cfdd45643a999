from django.urls import re_path

from complaints.carrier.open311 import views

app_name = "open311"
FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.services, name="services"),
    re_path(r"^withdrawn" + FORMAT, views.withdrawn_requests, name="withdrawn"),
    re_path(r"^requests" + FORMAT, views.service_requests, name="requests"),
    re_path(
        r"^requests/(?P<pseudonym>[A-Za-z0-9_-]{1,40})" + FORMAT,
        views.service_request,
        name="request",
    ),
]
