"""The patient agrees to the plan at /min/enig/ (this replaces print-sign-scan)."""

import pytest

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import PlanAgreement
from pathways.plan import services as plan_services

pytestmark = pytest.mark.django_db

URL = "/min/enig/"


def test_the_patient_agrees_with_time_version_and_level(patient_client, plan, patient):
    read_version = plan.version
    response = patient_client.post(URL, {"answer": "agree", "version": read_version})
    assert response.status_code == 302
    agreement = PlanAgreement.objects.get(plan=plan)
    assert agreement.plan_version == read_version
    assert agreement.level == "idporten-loa-high"
    assert agreement.answer == "agree"
    plan.refresh_from_db()
    assert plan.patient_agreed is True
    assert plan.patient_reviewed_on is not None
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="pathways.planagreement"
    ).get()
    assert event.basis == AuditEvent.Basis.PATIENT
    page = patient_client.get("/min/").content.decode()
    assert "at du har lest planen og er enig" in page


def test_comments_need_words(patient_client, plan):
    response = patient_client.post(URL, {"answer": "comments", "comment": " ", "version": 1})
    assert response.status_code == 200
    assert "Skriv kommentarene dine" in response.content.decode()
    assert not PlanAgreement.objects.exists()


def test_a_change_made_while_reading_is_shown_and_nothing_is_agreed(
    patient_client, plan, coordinator, vadso_rus
):
    read_version = plan.version
    plan_services.plan_update_section(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        section="cooperation",
        data={"cooperation": "NAV er med fra mars."},
        base_version=read_version,
    )
    response = patient_client.post(URL, {"answer": "agree", "version": read_version})
    assert response.status_code == 200
    assert "NAV er med fra mars." in response.content.decode()
    assert not PlanAgreement.objects.exists()


def test_a_later_change_by_the_team_asks_again(patient_client, plan, coordinator, vadso_rus):
    patient_client.post(URL, {"answer": "agree", "version": plan.version})
    # The patient's own later changes do not ask again ...
    plan.refresh_from_db()
    patient_client.post("/min/viktig/", {"what_matters": "Nytt svar.", "version": plan.version})
    assert "Planen er endret siden" not in patient_client.get("/min/").content.decode()
    # ... a change by the koordinator does.
    plan.refresh_from_db()
    plan_services.plan_update_section(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        section="cooperation",
        data={"cooperation": "Fastlegen er med."},
        base_version=plan.version,
    )
    assert "Planen er endret siden" in patient_client.get("/min/").content.decode()


def test_a_next_of_kin_cannot_agree_for_the_patient(relative_client, plan):
    assert relative_client.get(URL).status_code == 404
    assert (
        relative_client.post(URL, {"answer": "agree", "version": plan.version}).status_code == 404
    )
    assert not PlanAgreement.objects.exists()
