from django.urls import path

from .views import patients

app_name = "pathways"

urlpatterns = [
    path("", patients.patient_list, name="patient_list"),
    path("ny/", patients.patient_new, name="patient_new"),
    path("<int:patient_id>/", patients.patient_overview, name="patient_overview"),
    path("<int:patient_id>/endre/", patients.patient_edit, name="patient_edit"),
]
