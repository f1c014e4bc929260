"""Staff open and close Min plan for a patient at /pasienter/<id>/min-plan/."""

import datetime

import pytest
from django.utils import timezone

from pathways.models import PortalAccess
from tests.factories import make_patient

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
    from accounts.models import AuditEvent

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
    assert "under 16 år får ikke egen tilgang" in page


def test_a_next_of_kin_access_is_not_held_back_by_the_guardianship(coordinator, vadso_rus, patient):
    from accounts.acting import Actor
    from pathways.models import NextOfKin
    from pathways.portal.services import portal_access_open

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
