from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("ny/", views.referral_new, name="new"),
    path("statistikk/", views.statistics_page, name="statistics"),
    path("statistikk.csv", views.statistics_csv, name="statistics_csv"),
    path("statistikk-plassering.csv", views.placement_csv, name="placement_csv"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path(
        "behandling/<int:patient_id>/<int:episode_id>/",
        views.link_episode,
        name="link_episode",
    ),
    path("<int:pk>/endre/", views.referral_edit, name="edit"),
    path("<int:pk>/send/", views.referral_send, name="send"),
    path("<int:pk>/start-vurdering/", views.start_assessment, name="start_assessment"),
    path("<int:pk>/vurder/", views.assess, name="assess"),
    path("<int:pk>/videresend/", views.forward, name="forward"),
    path("<int:pk>/be-om-opplysninger/", views.ask, name="ask"),
    path("<int:pk>/opplysninger/<int:request_id>/svar/", views.answer, name="answer"),
    path("<int:pk>/trekk/", views.withdraw, name="withdraw"),
    path("<int:pk>/start-behandling/", views.start_treatment, name="start_treatment"),
    path("<int:pk>/avslutt/", views.close, name="close"),
    path("<int:pk>/behandlingssted/", views.place, name="place"),
    path("<int:pk>/planlagt-start/", views.planned_start, name="planned_start"),
    path("<int:pk>/fristbrudd/", views.frist_risk, name="frist_risk"),
    path("<int:pk>/helfo/", views.helfo, name="helfo"),
    path("<int:pk>/oppfolging/", views.follow_up, name="follow_up"),
    path("<int:pk>/vedlegg/", views.attachment_new, name="attachment_new"),
    path("<int:pk>/vedlegg/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/henvisning.pdf", views.referral_pdf, name="pdf"),
    path("<int:pk>/svar.pdf", views.answer_pdf, name="answer_pdf"),
]
