from django.contrib import admin
from django.urls import include, path

from accounts.views import floor, healthz
from pathways.episodes import urls as episodes
from pathways.fhir import urls as fhir
from pathways.patients import urls as patients
from pathways.worklist import urls as worklist
from referrals.placement import urls as placement

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("pasienter/", include("pathways.urls")),
    path("henvisninger/", include("referrals.urls")),
    path("varsler/", include("pathways.notifications.urls")),
    path("min/", include("pathways.portal.urls")),
    *episodes.site_urlpatterns,
    *fhir.site_urlpatterns,
    *patients.site_urlpatterns,
    *worklist.site_urlpatterns,
    *placement.site_urlpatterns,
    path("healthz", healthz, name="healthz"),
    path("_floor/", floor, name="floor"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
