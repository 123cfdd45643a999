from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("report/", views.report, name="report"),
    path("report/thanks/<str:reference>/", views.thanks, name="thanks"),
]
