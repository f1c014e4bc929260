from django.urls import path

from pathways.portal import (
    access_log,
    chooser,
    consents,
    crisis,
    goals,
    meetings,
    next_of_kin,
    staff,
    views,
)

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("velg/", chooser.choose, name="choose"),
    path("viktig/", views.what_matters, name="what_matters"),
    path("slik-har-jeg-det/", views.self_rating, name="self_rating"),
    path("enig/", views.agreement, name="agreement"),
    path("varsler/", views.notice_settings, name="notice_settings"),
    path("innlogging/", views.login, name="login"),
    path("innlogging/idporten/", views.idporten_start, name="idporten_login"),
    path("innlogging/idporten/tilbake/", views.idporten_callback, name="idporten_callback"),
    path("innlogging/demo/", views.demo_login, name="demo_login"),
    path("logg-ut/", views.logout_view, name="logout"),
    path("logget-ut/", views.logged_out, name="logged_out"),
    path("samtykker/", consents.consent_list, name="consents"),
    path("samtykker/nytt/", consents.consent_give, name="consent_give"),
    path(
        "samtykker/<int:consent_id>/trekk-tilbake/",
        consents.consent_withdraw,
        name="consent_withdraw",
    ),
    path("kriseplan/", crisis.crisis_plan, name="crisis_plan"),
    path("kriseplan/kort.pdf", crisis.crisis_card, name="crisis_card"),
    path("innsyn/", access_log.access_log, name="access_log"),
    path("innsyn/spor-hvorfor/", access_log.ask_why, name="ask_why"),
    path("innsyn/svar/", access_log.access_answers, name="access_answers"),
    # Ansvarsgruppe, goals and pårørende (§3).
    path("moter/", meetings.meetings_page, name="meetings"),
    path("moter/<int:meeting_id>/kalender.ics", meetings.meeting_calendar, name="meeting_calendar"),
    path("moter/<int:meeting_id>/foresla/", meetings.agenda_propose, name="agenda_propose"),
    path("moter/<int:meeting_id>/referat/", meetings.minutes_page, name="minutes"),
    path("plan/", goals.plan_page, name="plan"),
    path("plan/nytt-mal/", goals.goal_propose, name="goal_propose"),
    path("plan/mal/<int:goal_id>/slik-gar-det/", goals.goal_progress, name="goal_progress"),
    path("parorende/", next_of_kin.next_of_kin_page, name="next_of_kin"),
    path(
        "parorende/<int:grant_id>/trekk-tilbake/",
        next_of_kin.next_of_kin_withdraw,
        name="next_of_kin_withdraw",
    ),
]

# Staff pages inside the patient record (/pasienter/<id>/min-plan/), under the patient gate.
patient_urlpatterns = [
    path("<int:patient_id>/min-plan/", staff.access_page, name="portal_access"),
    path("<int:patient_id>/min-plan/lukk/", staff.access_end, name="portal_access_end"),
    path("<int:patient_id>/min-plan/verge/", staff.guardian, name="portal_guardian"),
    path(
        "<int:patient_id>/min-plan/sporsmal/<int:question_id>/",
        staff.question_answer,
        name="portal_question_answer",
    ),
]
