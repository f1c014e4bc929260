"""Goals from /min/: the patient proposes one, the koordinator takes it in or answers; the
patient writes how it goes, and the team reads it on the plan."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import Goal, GoalProgress, GoalProposal, Notification, PortalAccess
from pathways.plan import services as plans

pytestmark = pytest.mark.django_db

PLAN_URL = "/min/plan/"


def _propose(client, text="Jeg vil begynne å trene igjen.", area="physical_health"):
    response = client.post("/min/plan/nytt-mal/", {"text": text, "life_area": area})
    assert response.status_code == 302, response.content.decode()[:500]
    return GoalProposal.objects.latest("id")


def test_the_patient_proposes_a_goal_which_waits_outside_the_plan(
    patient_client, plan, patient, coordinator
):
    assert patient_client.get("/min/plan/nytt-mal/").status_code == 200
    proposal = _propose(patient_client)
    assert proposal.state == GoalProposal.State.WAITING
    assert not plan.goals.filter(text=proposal.text).exists()
    assert AuditEvent.objects.filter(
        object_type="pathways.goalproposal",
        basis=AuditEvent.Basis.PATIENT,
        action=AuditEvent.Action.CREATE,
        patient_id=patient.pk,
    ).exists()
    note = Notification.objects.get(user=coordinator, kind="goal_proposed")
    assert "trene" not in note.title
    page = patient_client.get(PLAN_URL).content.decode()
    assert "Jeg vil begynne å trene igjen." in page and "Venter på svar" in page


def test_an_empty_proposal_is_refused_beside_the_field(patient_client, plan):
    response = patient_client.post("/min/plan/nytt-mal/", {"text": "", "life_area": ""})
    assert response.status_code == 200
    assert "Feltet er påkrevet." in response.content.decode()
    assert not GoalProposal.objects.exists()


def test_the_koordinator_takes_the_proposal_into_the_plan_from_the_plan_page(
    patient_client, plan, patient, coordinator, login
):
    proposal = _propose(patient_client)
    version = plan.version
    staff = login(coordinator)
    page = staff.get(f"/pasienter/{patient.pk}/plan/").content.decode()
    assert "Mål pasienten har foreslått i Min plan" in page
    url = f"/pasienter/{patient.pk}/plan/malforslag/{proposal.pk}/ta-inn/"
    assert staff.get(url).status_code == 200
    response = staff.post(url, {"life_area": "physical_health"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    goal = proposal.goal
    assert proposal.state == GoalProposal.State.ACCEPTED and proposal.answered_by == coordinator
    assert goal.text == "Jeg vil begynne å trene igjen." and goal.status == Goal.Status.ACTIVE
    plan.refresh_from_db()
    assert plan.version == version + 1
    assert plan.revisions.latest("version").keys == [f"goal:{goal.pk}"]
    # A second answer (another tab) is refused, not written over the first.
    again = staff.post(url, {"life_area": "housing"})
    assert again.status_code == 200
    assert "allerede svart" in again.content.decode()


def test_the_koordinator_declines_with_a_word_back_that_the_patient_reads(
    patient_client, plan, patient, coordinator, vadso_rus
):
    proposal = _propose(patient_client)
    with pytest.raises(ValidationError):
        plans.goal_proposal_decline(
            proposal=proposal, actor=Actor(coordinator, vadso_rus), answer="  "
        )
    plans.goal_proposal_decline(
        proposal=proposal,
        actor=Actor(coordinator, vadso_rus),
        answer="La oss snakke om det på neste møte.",
    )
    page = patient_client.get(PLAN_URL).content.decode()
    assert "Ikke tatt inn i planen" in page
    assert "La oss snakke om det på neste møte." in page


def test_only_the_koordinator_answers_a_proposal(
    patient_client, plan, patient, colleague, vadso_rus, login
):
    proposal = _propose(patient_client)
    with pytest.raises(PermissionDenied):
        plans.goal_proposal_accept(
            proposal=proposal, actor=Actor(colleague, vadso_rus), life_area="housing"
        )
    url = f"/pasienter/{patient.pk}/plan/malforslag/{proposal.pk}/svar/"
    assert login(colleague).get(url).status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == GoalProposal.State.WAITING


def test_the_patient_writes_how_it_goes_and_the_team_reads_it(
    patient_client, plan, patient, coordinator, login
):
    goal = plan.goals.get()
    url = f"/min/plan/mal/{goal.pk}/slik-gar-det/"
    assert patient_client.get(url).status_code == 200
    response = patient_client.post(url, {"text": "Har sendt søknaden selv!"})
    assert response.status_code == 302
    note = GoalProgress.objects.get(goal=goal)
    assert note.by_patient and note.noted_on is not None
    assert AuditEvent.objects.filter(
        object_type="pathways.goal",
        object_id=str(goal.pk),
        basis=AuditEvent.Basis.PATIENT,
        action=AuditEvent.Action.CREATE,
    ).exists()
    assert "Har sendt søknaden selv!" in patient_client.get(PLAN_URL).content.decode()
    staff_page = login(coordinator).get(f"/pasienter/{patient.pk}/plan/").content.decode()
    assert "Har sendt søknaden selv!" in staff_page
    assert "pasienten, i Min plan" in staff_page


def test_a_progress_note_on_a_cancelled_goal_is_404(patient_client, plan):
    goal = plan.goals.get()
    Goal.objects.filter(pk=goal.pk).update(status=Goal.Status.CANCELLED)
    url = f"/min/plan/mal/{goal.pk}/slik-gar-det/"
    assert patient_client.post(url, {"text": "x"}).status_code == 404


def test_a_next_of_kin_given_the_plan_reads_the_goals_but_writes_nothing(
    relative_client, plan, patient
):
    goal = plan.goals.get()
    page = relative_client.get(PLAN_URL)
    assert page.status_code == 200
    assert goal.text in page.content.decode()
    assert "slik-gar-det" not in page.content.decode()
    assert "nytt-mal" not in page.content.decode()
    assert AuditEvent.objects.filter(
        patient_id=patient.pk, basis=AuditEvent.Basis.NEXT_OF_KIN, detail="/min/: the plan"
    ).exists()
    assert relative_client.get("/min/plan/nytt-mal/").status_code == 404
    assert relative_client.get(f"/min/plan/mal/{goal.pk}/slik-gar-det/").status_code == 404


def test_a_next_of_kin_without_the_plan_gets_404(relative_with, plan):
    client = relative_with([PortalAccess.Part.MEETINGS])
    for url in (PLAN_URL, "/min/slik-har-jeg-det/"):
        assert client.get(url).status_code == 404, url
    start = client.get("/min/").content.decode()
    assert plan.what_matters not in start and "/min/plan/" not in start


def test_staff_and_anonymous_do_not_reach_the_goal_pages(login, coordinator, plan):
    assert login(coordinator).get(PLAN_URL).status_code == 404
    assert Client().get(PLAN_URL)["Location"] == "/min/innlogging/"


def test_the_goal_page_costs_the_same_for_one_goal_or_many(
    patient_client, plan, coordinator, vadso_rus, django_assert_num_queries
):
    from tests.pathways.plan.setup import add_goal

    patient_client.get(PLAN_URL)
    # Session, user, access, session renewal, plan, goals with their notes (two), measures,
    # proposals, the audit row: one query per goal would grow with the plan.
    with django_assert_num_queries(GOAL_PAGE_QUERIES):
        assert patient_client.get(PLAN_URL).status_code == 200
    for n in range(4):
        goal = add_goal(plan, coordinator, vadso_rus, text=f"Mål {n}")
        plans.goal_progress_add(
            goal=goal,
            actor=Actor(coordinator, vadso_rus),
            noted_on=timezone.localdate(),
            text="Bra",
        )
    _propose(patient_client)
    with django_assert_num_queries(GOAL_PAGE_QUERIES):
        assert patient_client.get(PLAN_URL).status_code == 200


GOAL_PAGE_QUERIES = 11
