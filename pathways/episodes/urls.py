"""Admission, discharge and ettervern."""

from django.urls import path

from pathways.episodes import views

urlpatterns = [
    path("<int:patient_id>/behandling/", views.episode_list, name="episode_list"),
    path("<int:patient_id>/behandling/ny/", views.episode_new, name="episode_new"),
    path("<int:patient_id>/behandling/flytting/", views.kommune_move, name="kommune_move"),
    path(
        "<int:patient_id>/behandling/flytting/<int:move_id>/fullfor/",
        views.kommune_move_complete,
        name="kommune_move_complete",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/",
        views.episode_detail,
        name="episode_detail",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/planlagt-utskrivning/",
        views.episode_planned_end,
        name="episode_planned_end",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/innleggelsesmelding/",
        views.episode_admission_message,
        name="episode_admission_message",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/vurdering/",
        views.episode_assess,
        name="episode_assess",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/planleggingsmote/",
        views.planning_meeting_new,
        name="planning_meeting_new",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/pakkeforlop/",
        views.episode_milestones,
        name="episode_milestones",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/evaluering/",
        views.episode_evaluation,
        name="episode_evaluation",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/utskrivningsklar/",
        views.episode_ready,
        name="episode_ready",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/utskrivning/",
        views.episode_end,
        name="episode_end",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/overforing/",
        views.episode_transfer,
        name="episode_transfer",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/meldinger/<int:message_id>/svar/",
        views.message_answer,
        name="message_answer",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/",
        views.ettervern_plan,
        name="ettervern_plan",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/start/",
        views.ettervern_start,
        name="ettervern_start",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/signer/",
        views.ettervern_sign,
        name="ettervern_sign",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/ettervern/<slug:part>/",
        views.ettervern_edit,
        name="ettervern_edit",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/oppfolging/",
        views.follow_up_new,
        name="follow_up_new",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/oppfolging/<int:appointment_id>/oppmote/",
        views.follow_up_record,
        name="follow_up_record",
    ),
    path("<int:patient_id>/ettervern.pdf", views.ettervern_pdf, name="ettervern_pdf"),
]

# Pages outside the patient record (mounted at the site's top level by config/urls.py).
site_urlpatterns = [
    path("statistikk/utskrivning/", views.discharge_statistics, name="discharge_statistics"),
]
