"""The patient-scoped pages under /pasienter/: each feature package lists its own."""

from pathways.crisis import urls as crisis
from pathways.dialogue import urls as dialogue
from pathways.episodes import urls as episodes
from pathways.meetings import urls as meetings
from pathways.patients import urls as patients
from pathways.plan import urls as plan
from pathways.portal import urls as portal

app_name = "pathways"

urlpatterns = [
    *patients.urlpatterns,
    *episodes.urlpatterns,
    *plan.urlpatterns,
    *crisis.urlpatterns,
    *meetings.urlpatterns,
    *dialogue.urlpatterns,
    *portal.patient_urlpatterns,
]
