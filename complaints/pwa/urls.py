from django.urls import path

from complaints.pwa import views

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="pwa-manifest"),
    path("sw.js", views.service_worker, name="pwa-service-worker"),
    path("pwa/icon-<int:size>.png", views.icon, name="pwa-icon"),
]
