"""The start page and "Hva er viktig for deg?" at /min/, for the patient and a pårørende."""

import pytest
from django.core.exceptions import ValidationError

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import PlanRevision
from pathways.portal.services import portal_access_open
from tests.factories import make_patient
from tests.pathways.plan.setup import add_goal

pytestmark = pytest.mark.django_db


def test_the_start_page_shows_the_plan_in_plain_words(patient_client, plan, vadso_rus):
    vadso_rus.phone = "78 94 23 00"
    vadso_rus.save()
    page = patient_client.get("/min/").content.decode()
    assert "Å ha et sted å bo" in page
    assert "Jeg vil ha min egen leilighet." in page
    assert "Søknad om kommunal bolig" in page
    assert "Hvem:" in page and vadso_rus.name in page
    assert "Innen to uker" in page
    assert "Koordinatoren din" in page and "Kari" in page
    assert 'href="tel:78 94 23 00"' in page


def test_every_read_is_audited_with_the_patient_as_basis(patient_client, plan, patient):
    patient_client.get("/min/")
    read = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, patient_id=patient.pk).latest(
        "at"
    )
    assert read.basis == AuditEvent.Basis.PATIENT
    assert read.detail == "/min/: start page"
    assert read.unit is None


def test_the_start_page_costs_the_same_queries_with_more_goals(
    patient_client, plan, coordinator, vadso_rus, django_assert_num_queries
):
    patient_client.get("/min/")
    # One more than the plan alone: the consents running out, counted for the patient.
    with django_assert_num_queries(12) as first:
        patient_client.get("/min/")
    for n in range(5):
        add_goal(plan, coordinator, vadso_rus, text=f"Mål nummer {n}")
    # One query per goal or measure would grow here; the prefetches keep it fixed.
    with django_assert_num_queries(len(first.captured_queries)):
        patient_client.get("/min/")


def test_the_patient_writes_what_matters(patient_client, plan, patient):
    response = patient_client.post(
        "/min/viktig/", {"what_matters": "Å se datteren min hver uke.", "version": plan.version}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.what_matters == "Å se datteren min hver uke."
    revision = PlanRevision.objects.get(plan=plan, version=plan.version)
    assert revision.keys == ["plan:what_matters"]
    change = AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, patient_id=patient.pk
    ).latest("at")
    assert change.basis == AuditEvent.Basis.PATIENT
    assert "endret av pasienten" in change.detail


def test_a_stale_save_shows_the_conflict_and_keeps_the_text(
    patient_client, plan, coordinator, vadso_rus
):
    from pathways.plan import services as plan_services

    opened_at = plan.version
    plan_services.plan_update_section(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        section="what_matters",
        data={"what_matters": "Skrevet av koordinatoren."},
        base_version=opened_at,
    )
    response = patient_client.post(
        "/min/viktig/", {"what_matters": "Mitt eget svar.", "version": opened_at}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Skrevet av koordinatoren." in text
    assert "Mitt eget svar." in text
    plan.refresh_from_db()
    assert plan.what_matters == "Skrevet av koordinatoren."


def test_too_long_text_is_refused_beside_the_field(patient_client, plan):
    response = patient_client.post(
        "/min/viktig/", {"what_matters": "x" * 4001, "version": plan.version}
    )
    assert response.status_code == 200
    assert "4000" in response.content.decode()
    plan.refresh_from_db()
    assert plan.what_matters != "x" * 4001


def test_without_a_plan_the_patient_is_told_so(patient_client):
    page = patient_client.get("/min/").content.decode()
    assert "Det finnes ingen plan ennå" in page
    assert patient_client.get("/min/viktig/").status_code == 404


def test_a_next_of_kin_reads_the_plan_but_cannot_write_in_it(relative_client, patient, plan):
    page = relative_client.get("/min/").content.decode()
    assert "Planen til Ola Nordmann" in page
    assert "/min/viktig/" not in page
    assert relative_client.get("/min/viktig/").status_code == 404
    read = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, patient_id=patient.pk).latest(
        "at"
    )
    assert read.basis == AuditEvent.Basis.NEXT_OF_KIN


def test_access_is_not_opened_for_a_patient_under_16(coordinator, vadso_rus):
    import datetime

    from django.utils import timezone

    young = make_patient(
        vadso_rus,
        by=coordinator,
        birth_date=timezone.localdate() - datetime.timedelta(days=365 * 15),
    )
    with pytest.raises(ValidationError):
        portal_access_open(actor=Actor(coordinator, vadso_rus), patient=young, reason="Ønsket")


def test_only_a_unit_that_may_change_the_record_opens_access(
    patient, other_kommune_user, sarpsborg_rus
):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        portal_access_open(
            actor=Actor(other_kommune_user, sarpsborg_rus), patient=patient, reason="Ønsket"
        )


def test_opening_access_is_audited(patient_access, patient, coordinator):
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="pathways.portalaccess"
    ).get()
    assert event.user == coordinator
    assert event.patient_id == patient.pk
    assert "Ønsket av pasienten" in event.detail


def test_the_patients_reads_show_in_the_staff_access_log(
    patient_client, plan, patient, coordinator, client
):
    patient_client.get("/min/")
    client.logout()
    client.force_login(coordinator)
    page = client.get(f"/pasienter/{patient.pk}/logg/").content.decode()
    assert "Pasienten selv" in page
    assert "Ola Nordmann" in page
