"""/min/kriseplan/: the one crisis plan on the phone, and the wallet-size card as a PDF."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.crisis import services as crisis_services
from pathways.models import PortalAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis(patient, coordinator, vadso_rus):
    actor = Actor(coordinator, vadso_rus)
    crisis_services.crisis_plan_save(
        patient=patient,
        actor=actor,
        data={
            "warning_signs": "Jeg sover dårlig og trekker meg unna.",
            "what_helps": "Gå en tur med hunden. Ringe søsteren min.",
            "wishes": "Ikke kjeft, bare vær der.",
        },
        version=1,
    )
    crisis_services.crisis_contact_add(
        patient=patient,
        actor=actor,
        data={"name": "Legevakta i Vadsø", "role": "legevakt", "phone": "78 94 00 00"},
    )
    return patient.crisis_plan


def test_the_patient_reads_the_crisis_plan_with_numbers_to_tap(crisis, patient_client, patient):
    response = patient_client.get("/min/kriseplan/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Jeg sover dårlig og trekker meg unna." in page
    assert "Gå en tur med hunden." in page
    assert 'href="tel:78940000"' in page and "Legevakta i Vadsø" in page
    assert 'href="tel:113"' in page and 'href="tel:116117"' in page
    # Nothing kept in the browser: no script, no manifest, no service worker.
    assert "<script" not in page and "serviceWorker" not in page and "manifest" not in page
    read = AuditEvent.objects.filter(patient_id=patient.pk, action="view").latest("at")
    assert read.basis == AuditEvent.Basis.PATIENT and read.detail == "/min/: crisis plan"


def test_the_start_page_links_to_the_crisis_plan(patient_client):
    assert 'href="/min/kriseplan/"' in patient_client.get("/min/").content.decode()


def test_without_a_crisis_plan_the_numbers_are_still_there(patient_client):
    page = patient_client.get("/min/kriseplan/").content.decode()
    assert "Du har ingen kriseplan ennå" in page
    assert 'href="tel:113"' in page


def test_the_card_is_a_two_sided_pdf_of_card_size(crisis, patient_client, patient):
    response = patient_client.get("/min/kriseplan/kort.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    height_mm = float(reader.pages[0].mediabox.height) / 72 * 25.4
    assert round(width_mm) == 85 and round(height_mm) == 55
    front, back = (page.extract_text() for page in reader.pages)
    assert "Kriseplanen min" in front
    assert "Jeg sover dårlig" in front and "Gå en tur med hunden" in front
    assert "Legevakta i Vadsø" in back and "78 94 00 00" in back
    assert "113" in back and "116 117" in back
    read = AuditEvent.objects.filter(patient_id=patient.pk, action="view").latest("at")
    assert read.detail == "/min/: crisis plan card (PDF)"


def test_a_next_of_kin_given_the_plan_only_does_not_reach_the_crisis_plan(crisis, relative_client):
    # "The plan" is not the crisis plan: the patient gives that part on its own.
    assert relative_client.get("/min/kriseplan/").status_code == 404
    assert relative_client.get("/min/kriseplan/kort.pdf").status_code == 404


def test_a_next_of_kin_given_the_crisis_plan_reads_it(crisis, relative_with, patient):
    given = relative_with([PortalAccess.Part.CRISIS_PLAN])
    page = given.get("/min/kriseplan/").content.decode()
    assert "Jeg sover dårlig" in page
    read = AuditEvent.objects.filter(patient_id=patient.pk, action="view").latest("at")
    assert read.basis == AuditEvent.Basis.NEXT_OF_KIN


@pytest.mark.parametrize("url", ["/min/kriseplan/", "/min/kriseplan/kort.pdf"])
def test_staff_and_anonymous_do_not_reach_it(url, crisis, coordinator):
    staff = Client()
    staff.force_login(coordinator)
    assert staff.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"] == "/min/innlogging/"


def test_the_page_costs_the_same_queries_with_more_contacts(
    crisis, patient_client, patient, coordinator, vadso_rus, django_assert_num_queries
):
    patient_client.get("/min/kriseplan/")
    with django_assert_num_queries(7) as first:
        patient_client.get("/min/kriseplan/")
    for n in range(3):
        crisis_services.crisis_contact_add(
            patient=patient,
            actor=Actor(coordinator, vadso_rus),
            data={"name": f"Kontakt {n}", "role": "venn", "phone": f"9000000{n}"},
        )
    with django_assert_num_queries(len(first.captured_queries)):
        patient_client.get("/min/kriseplan/")
