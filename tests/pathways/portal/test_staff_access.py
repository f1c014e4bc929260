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
