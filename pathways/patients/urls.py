"""Patients, next of kin, consent, care team, emergency access and the access log."""

from django.urls import path

from pathways.patients.views import auditlog, breakglass, careteam, nextofkin, patients

urlpatterns = [
    path("", patients.patient_list, name="patient_list"),
    path("ny/", patients.patient_new, name="patient_new"),
    path("oppslag/", breakglass.lookup, name="lookup"),
    path("nodtilgang/", breakglass.break_glass, name="break_glass"),
    path("<int:patient_id>/", patients.patient_overview, name="patient_overview"),
    path("<int:patient_id>/endre/", patients.patient_edit, name="patient_edit"),
    path(
        "<int:patient_id>/fodselsnummer/",
        patients.national_id_reveal_view,
        name="national_id_reveal",
    ),
    path("<int:patient_id>/parorende/", nextofkin.next_of_kin_list, name="next_of_kin_list"),
    path("<int:patient_id>/parorende/ny/", nextofkin.next_of_kin_new, name="next_of_kin_new"),
    path(
        "<int:patient_id>/parorende/<int:nok_id>/endre/",
        nextofkin.next_of_kin_edit,
        name="next_of_kin_edit",
    ),
    path(
        "<int:patient_id>/parorende/<int:nok_id>/slett/",
        nextofkin.next_of_kin_delete_view,
        name="next_of_kin_delete",
    ),
    path("<int:patient_id>/samtykke/", careteam.consent_list, name="consent_list"),
    path("<int:patient_id>/samtykke/ny/", careteam.consent_new, name="consent_new"),
    path(
        "<int:patient_id>/samtykke/<int:consent_id>/trekk/",
        careteam.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("<int:patient_id>/behandlingsteam/", careteam.care_team, name="care_team"),
    path("<int:patient_id>/behandlingsteam/ny/", careteam.care_team_add, name="care_team_add"),
    path(
        "<int:patient_id>/behandlingsteam/<int:member_id>/avslutt/",
        careteam.care_team_end_view,
        name="care_team_end",
    ),
    path("<int:patient_id>/logg/", auditlog.access_log, name="access_log"),
    path("<int:patient_id>/logg.pdf", auditlog.access_log_pdf, name="access_log_pdf"),
]

# Pages outside the patient record (mounted at the site's top level by config/urls.py).
site_urlpatterns = [
    path("tilgang/nodtilgang/", breakglass.review_list, name="breakglass_review"),
    path(
        "tilgang/nodtilgang/<int:grant_id>/",
        breakglass.review_mark,
        name="breakglass_review_mark",
    ),
]
