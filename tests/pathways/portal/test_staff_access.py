"""Staff open and close Min plan for a patient at /pasienter/<id>/min-plan/."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import PortalAccess
from pathways.patients.services.patients import patient_update
from pathways.portal.services import guardian_record, portal_access_open
from tests.factories import make_patient
from tests.pathways.portal.conftest import give

pytestmark = pytest.mark.django_db


def test_the_koordinator_opens_access_with_a_reason(login, coordinator, patient):
    client = login(coordinator)
    url = f"/pasienter/{patient.pk}/min-plan/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Pasienten ba om det i samtalen i dag."})
    assert response.status_code == 302
    access = PortalAccess.objects.open().get(patient=patient)
    assert access.role == PortalAccess.Role.PATIENT
    assert access.opened_by == coordinator
    page = client.get(url).content.decode()
    assert "Pasienten har tilgang." in page
    assert "Pasienten ba om det i samtalen i dag." in page


def test_a_reason_is_required(login, coordinator, patient):
    response = login(coordinator).post(f"/pasienter/{patient.pk}/min-plan/", {"reason": ""})
    assert response.status_code == 200
    assert not PortalAccess.objects.exists()


def test_closing_access_logs_the_patient_out_at_once(
    login, coordinator, patient, patient_access, patient_client
):
    assert patient_client.get("/min/").status_code == 200
    staff = login(coordinator)  # the same test client: the patient's session is replaced
    response = staff.post(
        f"/pasienter/{patient.pk}/min-plan/lukk/",
        {"access": patient_access.pk, "reason": "Pasienten ønsker det ikke lenger."},
    )
    assert response.status_code == 302
    patient_access.refresh_from_db()
    assert patient_access.ended_at is not None


def test_the_page_explains_why_a_patient_under_16_gets_no_access(login, coordinator, vadso_rus):
    young = make_patient(
        vadso_rus,
        by=coordinator,
        birth_date=timezone.localdate() - datetime.timedelta(days=365 * 14),
    )
    page = login(coordinator).get(f"/pasienter/{young.pk}/min-plan/").content.decode()
    assert "under 16" in page
    assert 'name="reason"' not in page


def test_a_guardian_is_recorded_on_the_access_page(login, coordinator, patient):
    client = login(coordinator)
    response = client.post(
        f"/pasienter/{patient.pk}/min-plan/verge/", {"guardian_name": "Per  Verge"}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.guardian_name == "Per Verge"
    page = client.get(f"/pasienter/{patient.pk}/min-plan/").content.decode()
    assert "Pasienten har verge: Per Verge." in page
    assert 'name="guardian_reason"' in page
    event = AuditEvent.objects.filter(patient_id=patient.pk, action="update").latest("at")
    assert event.detail == "Verge registrert" and event.user == coordinator


def test_with_a_guardian_the_patients_access_needs_a_reason_for_it(login, coordinator, patient):
    patient.guardian_name = "Per Verge"
    patient.save()
    client = login(coordinator)
    url = f"/pasienter/{patient.pk}/min-plan/"
    refused = client.post(url, {"reason": "Pasienten ba om det.", "guardian_reason": " "})
    assert refused.status_code == 200
    assert "Pasienten har verge. Skriv hvorfor" in refused.content.decode()
    assert not PortalAccess.objects.exists()
    opened = client.post(
        url,
        {
            "reason": "Pasienten ba om det.",
            "guardian_reason": "Vergemålet gjelder bare økonomi; avklart med vergen.",
        },
    )
    assert opened.status_code == 302
    access = PortalAccess.objects.open().get(patient=patient)
    assert access.guardian_reason == "Vergemålet gjelder bare økonomi; avklart med vergen."


def test_without_a_guardian_the_question_is_not_asked(login, coordinator, patient):
    page = login(coordinator).get(f"/pasienter/{patient.pk}/min-plan/").content.decode()
    assert "Ingen verge er registrert" in page
    assert 'name="guardian_reason"' not in page
    assert "Min plan er stengt for pasienter under 16 år" in page


def test_a_next_of_kin_access_is_not_held_back_by_the_guardianship(coordinator, vadso_rus, patient):
    from pathways.models import NextOfKin

    patient.guardian_name = "Per Verge"
    patient.save()
    kin = NextOfKin.objects.create(patient=patient, name="Per Verge", relation="verge")
    access = portal_access_open(
        actor=Actor(coordinator, vadso_rus),
        patient=patient,
        reason="Pasienten ønsker at vergen ser planen",
        next_of_kin=kin,
        national_id="01018512345",
    )
    assert access.guardian_reason == ""


def test_a_unit_outside_the_care_team_cannot_record_a_guardian(login, other_kommune_user, patient):
    response = login(other_kommune_user).post(
        f"/pasienter/{patient.pk}/min-plan/verge/", {"guardian_name": "X"}
    )
    assert response.status_code == 404
    patient.refresh_from_db()
    assert patient.guardian_name == ""


def test_a_portal_session_cannot_record_a_guardian(patient_client, patient):
    response = patient_client.post(
        f"/pasienter/{patient.pk}/min-plan/verge/", {"guardian_name": "X"}
    )
    assert response.status_code == 404
    patient.refresh_from_db()
    assert patient.guardian_name == ""


def _staff(user):
    client = Client()
    client.force_login(user)
    return client


def test_recording_a_guardian_closes_open_access_at_once(
    coordinator, patient, patient_access, patient_client
):
    assert patient_client.get("/min/").status_code == 200
    staff = _staff(coordinator)
    staff.post(f"/pasienter/{patient.pk}/min-plan/verge/", {"guardian_name": "Per Verge"})
    patient_access.refresh_from_db()
    assert patient_access.ended_at is not None
    assert "verge ble registrert" in patient_access.end_reason
    # The patient's next request logs them out.
    response = patient_client.get("/min/")
    assert response.status_code == 302
    assert response["Location"] == "/min/innlogging/"
    closed = AuditEvent.objects.filter(
        patient_id=patient.pk, action=AuditEvent.Action.UPDATE, detail__startswith="Min plan closed"
    ).get()
    assert closed.user == coordinator
    assert "verge ble registrert" in closed.detail
    page = staff.get(f"/pasienter/{patient.pk}/min-plan/").content.decode()
    assert "Lukket automatisk: verge ble registrert" in page
    # Not open any more: the form to open it again asks for the guardian reason.
    assert 'name="guardian_reason"' in page


def test_after_a_guardian_staff_open_access_again_with_a_reason(
    coordinator, patient, patient_access
):
    staff = _staff(coordinator)
    staff.post(f"/pasienter/{patient.pk}/min-plan/verge/", {"guardian_name": "Per Verge"})
    url = f"/pasienter/{patient.pk}/min-plan/"
    refused = staff.post(url, {"reason": "Pasienten ba om det igjen."})
    assert refused.status_code == 200
    assert PortalAccess.objects.open().filter(patient=patient).count() == 0
    staff.post(
        url,
        {
            "reason": "Pasienten ba om det igjen.",
            "guardian_reason": "Vergemålet gjelder bare økonomi; avklart med vergen.",
        },
    )
    reopened = PortalAccess.objects.open().get(patient=patient)
    assert reopened.pk != patient_access.pk
    assert reopened.guardian_reason.startswith("Vergemålet gjelder bare økonomi")


def test_access_opened_with_a_guardian_reason_stays_when_the_name_is_corrected(
    coordinator, vadso_rus, patient
):
    actor = Actor(coordinator, vadso_rus)
    guardian_record(actor=actor, patient=patient, name="Per Verge")
    patient.refresh_from_db()
    access = portal_access_open(
        actor=actor, patient=patient, reason="Ønsket", guardian_reason="Bare økonomi, avklart."
    )
    guardian_record(actor=actor, patient=patient, name="Per O. Verge")
    access.refresh_from_db()
    assert access.ended_at is None


def test_a_next_of_kin_access_stays_when_a_guardian_is_recorded(
    coordinator, patient, patient_access, kin
):
    grant = give(patient_access, kin, [PortalAccess.Part.PLAN])
    _staff(coordinator).post(
        f"/pasienter/{patient.pk}/min-plan/verge/", {"guardian_name": "Per Verge"}
    )
    grant.refresh_from_db()
    patient_access.refresh_from_db()
    assert patient_access.ended_at is not None
    assert grant.ended_at is None


def test_a_birth_date_under_16_closes_every_open_access_at_once(
    coordinator, vadso_rus, patient, patient_access, kin
):
    grant = give(patient_access, kin, [PortalAccess.Part.PLAN])
    patient.refresh_from_db()
    patient_update(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        data={"birth_date": timezone.localdate() - datetime.timedelta(days=365 * 15)},
        version=patient.version,
    )
    for access in (patient_access, grant):
        access.refresh_from_db()
        assert access.ended_at is not None
        assert (
            access.end_reason
            == "Lukket automatisk: fødselsdatoen gjør at pasienten er under 16 år."
        )
    assert (
        AuditEvent.objects.filter(
            patient_id=patient.pk, detail__startswith="Min plan closed"
        ).count()
        == 2
    )
    page = _staff(coordinator).get(f"/pasienter/{patient.pk}/min-plan/").content.decode()
    assert "fødselsdatoen gjør at pasienten er under 16 år" in page
    assert 'id="too-young"' in page
    assert 'name="reason"' not in page.split('id="too-young"')[1]


def test_a_birth_date_over_16_leaves_access_open(coordinator, vadso_rus, patient, patient_access):
    patient.refresh_from_db()
    patient_update(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        data={"birth_date": timezone.localdate() - datetime.timedelta(days=365 * 30)},
        version=patient.version,
    )
    patient_access.refresh_from_db()
    assert patient_access.ended_at is None


def test_under_16_nobody_can_open_access_not_even_a_leader(leader, vadso_rus):
    young = make_patient(
        vadso_rus,
        by=leader,
        birth_date=timezone.localdate() - datetime.timedelta(days=365 * 15),
    )
    staff = _staff(leader)
    url = f"/pasienter/{young.pk}/min-plan/"
    page = staff.get(url).content.decode()
    # The decision is stated on the page, with its legal ground.
    assert "Beslutning i denne versjonen" in page
    assert "§ 3-4" in page
    staff.post(url, {"reason": "Leder mener det er til barnets beste."})
    assert not PortalAccess.objects.filter(patient=young).exists()
    with pytest.raises(ValidationError):
        portal_access_open(
            actor=Actor(leader, vadso_rus), patient=young, reason="Leder mener det er riktig."
        )


def test_closing_by_staff_keeps_the_reason_on_the_page(coordinator, patient, patient_access):
    staff = _staff(coordinator)
    staff.post(
        f"/pasienter/{patient.pk}/min-plan/lukk/",
        {"access": patient_access.pk, "reason": "Pasienten ønsker det ikke lenger."},
    )
    page = staff.get(f"/pasienter/{patient.pk}/min-plan/").content.decode()
    assert "Pasienten ønsker det ikke lenger." in page.split("<tbody>")[1]
