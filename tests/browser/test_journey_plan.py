"""The koordinator writes the individual plan with the patient and prints it (journey step 4/6)."""

import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from pathways.models import Goal, IndividualPlan, Measure
from tests.browser.conftest import LANDED, check_accessibility, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_koordinator_writes_a_plan_with_the_patient_and_prints_it(
    page, coordinator, shared_patient
):
    today = timezone.localdate().isoformat()
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    page.goto(f"/pasienter/{shared_patient.pk}/")
    page.get_by_role("link", name="Koordinator og plan").click()
    page.wait_for_url("**/plan/")
    check_accessibility(page)
    page.get_by_role("link", name="Opprett individuell plan").click()

    # Without the consent date the plan is refused, and what was typed stays.
    page.get_by_label("Hva er viktig for deg?").fill("Å ha et eget sted å bo og se datteren min.")
    page.get_by_role("button", name="Opprett planen").click()
    expect(page.get_by_text("Oppgi datoen pasienten samtykket.").first).to_be_visible()
    assert "datteren min" in page.get_by_label("Hva er viktig for deg?").input_value()
    check_accessibility(page)
    page.get_by_label("Pasienten samtykket til individuell plan den").fill(today)
    page.get_by_role("button", name="Opprett planen").click()
    page.wait_for_url("**/plan/")
    expect(page.get_by_text("Den individuelle planen er opprettet.")).to_be_visible()
    expect(page.get_by_text("Koordinator: Kari").first).to_be_visible()

    # A goal in Ola's own words, added inline (htmx swaps the form into the page).
    page.get_by_role("link", name="Legg til mål").click()
    page.get_by_label("Mål (med pasientens egne ord)").fill("Jeg vil bo i egen leilighet før jul.")
    page.get_by_role("combobox", name="Livsområde").select_option(label="Bosituasjon")
    page.get_by_role("combobox", name="Status").select_option(label="Aktiv")
    page.get_by_role("button", name="Lagre").click()
    goal = page.locator("article", has_text="Jeg vil bo i egen leilighet før jul.")
    goal.wait_for()
    assert page.url.endswith("/plan/")  # stayed on the page: no full reload
    expect(page.locator("#plan-version")).to_have_text("2")

    # A measure with a responsible unit, also inline.
    page.get_by_role("link", name="Legg til tiltak").click()
    page.get_by_label("Tiltak (må fylles ut)").fill("Søknad om kommunal bolig")
    page.get_by_role("combobox", name="Livsområde").select_option(label="Bosituasjon")
    page.get_by_role("combobox", name="Ansvarlig tjeneste").select_option(
        label="Rus- og psykisk helseenheten (Vadsø kommune)"
    )
    page.get_by_label("Omfang og hyppighet").fill("Ukentlig til søknaden er sendt")
    page.get_by_label("Jeg vil bo i egen leilighet før jul.").check()
    page.get_by_role("button", name="Lagre").click()
    page.locator("article", has_text="Søknad om kommunal bolig").wait_for()
    check_accessibility(page)

    # Ola has gone through the plan and agrees.
    page.get_by_role("link", name="Registrer pasientens medvirkning").click()
    page.get_by_label("Gjennomgått med pasienten den").fill(today)
    page.get_by_label("Pasienten er enig i planen").check()
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_url("**/plan/#section-participation")
    expect(page.get_by_text("pasienten er enig i planen")).to_be_visible()

    # The plan opens in the browser's own PDF viewer, like every other printout.
    page.get_by_role("link", name="Skriv ut planen (PDF)").click()
    page.wait_for_url("**/plan.pdf")
    response = page.request.get(page.url)
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="individuell-plan')
    pages = PdfReader(io.BytesIO(response.body())).pages
    # Table cells wrap lines; compare words, not layout.
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Jeg vil bo i egen leilighet før jul." in text
    assert "Søknad om kommunal bolig" in text
    assert "Kriseplan" in text and "Dato og signatur, pasient" in text
    assert "side 1 av" in text

    plan = IndividualPlan.objects.get(patient=shared_patient)
    assert plan.patient_agreed and Goal.objects.count() == 1 and Measure.objects.count() == 1
