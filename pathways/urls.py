from django.urls import path

from .views import auditlog, breakglass, careteam, discharge, meetings, nextofkin, patients, plans

app_name = "pathways"

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
        "<int:patient_id>/behandling/<int:episode_id>/pakkeforlop/",
        discharge.episode_milestones,
        name="episode_milestones",
    ),
    path(
        "<int:patient_id>/behandling/<int:episode_id>/evaluering/",
        discharge.episode_evaluation,
        name="episode_evaluation",
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

# Individual plan and koordinator.
P = "<int:patient_id>/plan/"
urlpatterns += [
    path("mine-planer/", plans.my_plans, name="my_plans"),
    path("<int:patient_id>/plan.pdf", plans.plan_pdf, name="plan_pdf"),
    path(P, plans.plan_page, name="plan"),
    path(P + "versjon/<int:version>.pdf", plans.plan_pdf, name="plan_revision_pdf"),
    path(P + "historikk/", plans.plan_history, name="plan_history"),
    path(P + "tidligere/<int:plan_id>/", plans.plan_earlier, name="plan_earlier"),
    path(
        P + "tidligere/<int:plan_id>/historikk/",
        plans.plan_history,
        name="plan_earlier_history",
    ),
    path(P + "tidligere/<int:plan_id>/plan.pdf", plans.plan_pdf, name="plan_earlier_pdf"),
    path(
        P + "tidligere/<int:plan_id>/versjon/<int:version>.pdf",
        plans.plan_pdf,
        name="plan_earlier_revision_pdf",
    ),
    path(P + "koordinator/", plans.coordinator_edit, name="plan_coordinator"),
    path(P + "ny/", plans.plan_new, name="plan_new"),
    path(P + "del/<slug:section>/", plans.plan_section, name="plan_section"),
    path(P + "mal/ny/", plans.goal_edit, name="plan_goal_new"),
    path(P + "mal/<int:goal_id>/", plans.goal_edit, name="plan_goal"),
    path(P + "mal/<int:goal_id>/fremdrift/", plans.goal_progress, name="plan_goal_progress"),
    path(P + "omrade/<slug:area>/", plans.area_edit, name="plan_area"),
    path(P + "deltakere/ny/", plans.participant_edit, name="plan_participant_new"),
    path(P + "deltakere/<int:participant_id>/", plans.participant_edit, name="plan_participant"),
    path(
        P + "deltakere/<int:participant_id>/fjern/",
        plans.participant_remove,
        name="plan_participant_remove",
    ),
    path(P + "tiltak/ny/", plans.measure_edit, name="plan_measure_new"),
    path(P + "tiltak/<int:measure_id>/", plans.measure_edit, name="plan_measure"),
    path(P + "tiltak/<int:measure_id>/fullfort/", plans.measure_done, name="plan_measure_done"),
    path(P + "kriseplan/kontakt/", plans.contact_new, name="plan_contact_new"),
    path(
        P + "kriseplan/kontakt/<int:contact_id>/fjern/",
        plans.contact_remove,
        name="plan_contact_remove",
    ),
    path(P + "evaluering/", plans.evaluation_new, name="plan_evaluation"),
    path(P + "kommentar/", plans.comment_new, name="plan_comment"),
]

# Ansvarsgruppe: the group, meetings, minutes and action items.
_M = "<int:patient_id>/moter/"
_MM = _M + "<int:meeting_id>/"
urlpatterns += [
    path(_M, meetings.group_page, name="meetings"),
    path(_M + "ansvarsgruppe/ny/", meetings.group_create, name="group_create"),
    path(_M + "ansvarsgruppe/endre/", meetings.group_edit, name="group_edit"),
    path(_M + "medlemmer/ny-ansatt/", meetings.member_add_internal, name="member_add_internal"),
    path(_M + "medlemmer/ny-ekstern/", meetings.member_add_external, name="member_add_external"),
    path(_M + "medlemmer/<int:member_id>/fjern/", meetings.member_remove, name="member_remove"),
    path(_M + "nytt/", meetings.meeting_new, name="meeting_new"),
    path(
        _M + "oppfolgingspunkter/<int:item_id>/utfort/",
        meetings.action_item_done,
        name="action_item_done",
    ),
    path(_MM, meetings.meeting_detail, name="meeting_detail"),
    path(_MM + "endre/", meetings.meeting_edit, name="meeting_edit"),
    path(_MM + "avlys/", meetings.meeting_cancel, name="meeting_cancel"),
    path(_MM + "referat/", meetings.minutes_edit, name="minutes_edit"),
    path(_MM + "referat/publiser/", meetings.minutes_publish, name="minutes_publish"),
    path(_MM + "referat/tillegg/", meetings.addendum_add, name="addendum_add"),
    path(_MM + "oppfolgingspunkter/ny/", meetings.action_item_add, name="action_item_add"),
    path(
        _MM + "oppfolgingspunkter/<int:item_id>/slett/",
        meetings.action_item_delete,
        name="action_item_delete",
    ),
    path(_MM + "invitasjon.ics", meetings.meeting_ics, name="meeting_ics"),
    path(_MM + "referat.pdf", meetings.minutes_pdf, name="minutes_pdf"),
    path(_MM + "innkalling.pdf", meetings.invitation_pdf, name="invitation_pdf"),
]
