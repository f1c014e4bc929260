"""Individual plan and koordinator."""

from django.urls import path

from pathways.plan import views

P = "<int:patient_id>/plan/"
urlpatterns = [
    path("mine-planer/", views.my_plans, name="my_plans"),
    path("<int:patient_id>/plan.pdf", views.plan_pdf, name="plan_pdf"),
    path(P, views.plan_page, name="plan"),
    path(P + "versjon/<int:version>.pdf", views.plan_pdf, name="plan_revision_pdf"),
    path(P + "historikk/", views.plan_history, name="plan_history"),
    path(P + "tidligere/<int:plan_id>/", views.plan_earlier, name="plan_earlier"),
    path(
        P + "tidligere/<int:plan_id>/historikk/",
        views.plan_history,
        name="plan_earlier_history",
    ),
    path(P + "tidligere/<int:plan_id>/plan.pdf", views.plan_pdf, name="plan_earlier_pdf"),
    path(
        P + "tidligere/<int:plan_id>/versjon/<int:version>.pdf",
        views.plan_pdf,
        name="plan_earlier_revision_pdf",
    ),
    path(P + "koordinator/", views.coordinator_edit, name="plan_coordinator"),
    path(P + "ny/", views.plan_new, name="plan_new"),
    path(P + "del/<slug:section>/", views.plan_section, name="plan_section"),
    path(P + "mal/ny/", views.goal_edit, name="plan_goal_new"),
    path(P + "mal/<int:goal_id>/", views.goal_edit, name="plan_goal"),
    path(P + "mal/<int:goal_id>/fremdrift/", views.goal_progress, name="plan_goal_progress"),
    path(
        P + "malforslag/<int:proposal_id>/ta-inn/",
        views.goal_proposal_accept,
        name="plan_goal_proposal_accept",
    ),
    path(
        P + "malforslag/<int:proposal_id>/svar/",
        views.goal_proposal_decline,
        name="plan_goal_proposal_decline",
    ),
    path(P + "omrade/<slug:area>/", views.area_edit, name="plan_area"),
    path(P + "deltakere/ny/", views.participant_edit, name="plan_participant_new"),
    path(P + "deltakere/<int:participant_id>/", views.participant_edit, name="plan_participant"),
    path(
        P + "deltakere/<int:participant_id>/fjern/",
        views.participant_remove,
        name="plan_participant_remove",
    ),
    path(P + "tiltak/ny/", views.measure_edit, name="plan_measure_new"),
    path(P + "tiltak/<int:measure_id>/", views.measure_edit, name="plan_measure"),
    path(P + "tiltak/<int:measure_id>/fullfort/", views.measure_done, name="plan_measure_done"),
    path(P + "evaluering/", views.evaluation_new, name="plan_evaluation"),
    path(P + "kommentar/", views.comment_new, name="plan_comment"),
]
