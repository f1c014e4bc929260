from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import floor, healthz
from pathways.episodes.views import discharge_statistics
from pathways.patients.views import breakglass
from pathways.worklist.views import task_list

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="pathways:patient_list"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("pasienter/", include("pathways.urls")),
    path("henvisninger/", include("referrals.urls")),
    path("varsler/", include("pathways.notifications.urls")),
    path("statistikk/utskrivning/", discharge_statistics, name="discharge_statistics"),
    path("tilgang/nodtilgang/", breakglass.review_list, name="breakglass_review"),
    path(
        "tilgang/nodtilgang/<int:grant_id>/",
        breakglass.review_mark,
        name="breakglass_review_mark",
    ),
    path("oppgaver/", task_list, name="tasks"),
    path("healthz", healthz, name="healthz"),
    path("_floor/", floor, name="floor"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
