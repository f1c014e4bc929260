import pytest
from django.urls import reverse

from .plan_setup import add_goal, add_measure, start_plan

pytestmark = pytest.mark.django_db


def test_smoke(login, coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    add_goal(plan, coordinator, vadso_rus)
    add_measure(plan, coordinator, vadso_rus)
    client = login(coordinator)
    for name in ["plan", "plan_history", "plan_goal_new", "plan_measure_new", "plan_new", "plan_coordinator", "plan_evaluation", "plan_contact_new", "plan_participant_new"]:
        r = client.get(reverse(f"pathways:{name}", args=[patient.pk]))
        assert r.status_code in (200, 302), (name, r.status_code)
    r = client.get(reverse("pathways:plan_pdf", args=[patient.pk]))
    assert r["Content-Type"] == "application/pdf"
    assert client.get(reverse("pathways:patient_overview", args=[patient.pk])).status_code == 200
    assert client.get(reverse("pathways:my_plans")).status_code == 200
