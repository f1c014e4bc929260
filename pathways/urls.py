from django.urls import path

from .views import discharge, patients

app_name = "pathways"

urlpatterns = [
    path("", patients.patient_list, name="patient_list"),
    path("ny/", patients.patient_new, name="patient_new"),
    path("<int:patient_id>/", patients.patient_overview, name="patient_overview"),
    path("<int:patient_id>/endre/", patients.patient_edit, name="patient_edit"),
]

# Admission, discharge and ettervern.
urlpatterns += [
    path("<int:patient_id>/behandling/", discharge.episode_list, name="episode_list"),
    path("<int:patient_id>/behandling/ny/", discharge.episode_new, name="episode_new"),
    path("<int:patient_id>/behandling/flytting/", discharge.kommune_move, name="kommune_move"),
    path(
        "<int:patient_id>/behandling/flytting/<int:move_id>/fullfor/",
        discharge.kommune_move_complete,
        name="kommune_move_complete",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/",
        discharge.episode_detail,
        name="episode_detail",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/planlagt-utskrivning/",
        discharge.episode_planned_end,
        name="episode_planned_end",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/innleggelsesmelding/",
        discharge.episode_admission_message,
        name="episode_admission_message",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/vurdering/",
        discharge.episode_assess,
        name="episode_assess",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/planleggingsmote/",
        discharge.planning_meeting_new,
        name="planning_meeting_new",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/utskrivningsklar/",
        discharge.episode_ready,
        name="episode_ready",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/utskrivning/",
        discharge.episode_end,
        name="episode_end",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/overforing/",
        discharge.episode_transfer,
        name="episode_transfer",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/meldinger/<int:message_id>/svar/",
        discharge.message_answer,
        name="message_answer",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/",
        discharge.ettervern_plan,
        name="ettervern_plan",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/start/",
        discharge.ettervern_start,
        name="ettervern_start",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/signer/",
        discharge.ettervern_sign,
        name="ettervern_sign",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/<slug:part>/",
        discharge.ettervern_edit,
        name="ettervern_edit",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/oppfolging/",
        discharge.follow_up_new,
        name="follow_up_new",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/oppfolging/<int:appointment_id>/oppmote/",
        discharge.follow_up_record,
        name="follow_up_record",
    ),
    path("<int:patient_id>/ettervern.pdf", discharge.ettervern_pdf, name="ettervern_pdf"),
]
