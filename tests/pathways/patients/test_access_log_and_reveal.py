import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_access_log_lists_who_looked_and_on_what_basis(
    login, coordinator, break_glass_user, patient
):
    login(break_glass_user).get(reverse("pathways:patient_overview", args=[patient.pk]))
    response = login(coordinator).get(reverse("pathways:access_log", args=[patient.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert break_glass_user.get_full_name() in page
    assert "Sarpsborg kommune" in page
    assert "Nødtilgang" in page


def test_the_access_log_prints_as_pdf_and_the_print_is_audited(login, coordinator, patient):
    response = login(coordinator).get(reverse("pathways:access_log_pdf", args=[patient.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Tilgangslogg" in text
    assert patient.full_name in text
    assert coordinator.get_full_name() in text
    assert "Rus- og psykisk helseenheten" in text
    assert patient.national_id not in text
    event = AuditEvent.objects.filter(patient_id=patient.pk).first()
    assert event.action == "print"
    assert event.user == coordinator


def test_revealing_the_national_id_shows_it_and_is_audited(login, coordinator, patient):
    client = login(coordinator)
    overview = client.get(reverse("pathways:patient_overview", args=[patient.pk]))
    assert patient.national_id not in overview.content.decode()
    assert patient.national_id[-5:] in overview.content.decode()
    url = reverse("pathways:national_id_reveal", args=[patient.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    assert patient.national_id in response.content.decode()
    event = AuditEvent.objects.get(patient_id=patient.pk, action="reveal_id")
    assert event.user == coordinator
    assert event.basis == "care_team"


def test_outsiders_cannot_reveal(login, other_kommune_user, patient):
    response = login(other_kommune_user).post(
        reverse("pathways:national_id_reveal", args=[patient.pk])
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="reveal_id").exists()


def test_emergency_access_may_reveal_and_it_is_logged_as_such(login, break_glass_user, patient):
    response = login(break_glass_user).post(
        reverse("pathways:national_id_reveal", args=[patient.pk])
    )
    assert response.status_code == 200
    assert AuditEvent.objects.get(action="reveal_id").basis == "break_glass"
