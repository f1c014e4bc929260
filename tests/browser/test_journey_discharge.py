"""UNN and Vadsø plan a discharge together: admission, the ettervern plan from both sides,
sign-off, and the printed plan; axe-core on each page."""

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from pathways.models import EttervernPlan, KommuneMessage, TreatmentEpisode
from tests.browser.conftest import LANDED, check_accessibility, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_unn_and_vadso_plan_a_discharge_together_and_print_the_plan(
    page, new_page, shared_patient, tsb_clinician, coordinator, vadso_rus
):
    vadso_rus.phone = "78 94 23 00"
    vadso_rus.save()
    today = timezone.localdate()
    planned = today + datetime.timedelta(days=5)
    first = today + datetime.timedelta(days=6)

    # UNN registers the admission; the notice to Vadsø goes at once.
    log_in(page, tsb_clinician.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    page.goto(f"/pasienter/{shared_patient.pk}/")
    page.get_by_role("link", name="Behandling og utskrivning").click()
    check_accessibility(page)
    page.get_by_role("link", name="Registrer innleggelse / behandlingsstart").click()
    check_accessibility(page)
    page.get_by_label("Behandlingsform").select_option("dogn")
    page.get_by_label("Planlagt utskrivningsdato").fill(planned.isoformat())
    assert page.get_by_label("Send melding om innlagt pasient til kommunen nå (døgn)").is_checked()
    page.get_by_role("button", name="Registrer").click()
    page.wait_for_url("**/behandling/*/")
    expect(page.get_by_text("Melding om innlagt pasient").first).to_be_visible()
    check_accessibility(page)
    episode = TreatmentEpisode.objects.get(patient=shared_patient)
    assert KommuneMessage.objects.filter(episode=episode, kind="admission").count() == 1

    # UNN starts the plan and writes its part.
    page.get_by_role("link", name="Gå til ettervernsplanen").click()
    check_accessibility(page)
    page.get_by_role("button", name="Start ettervernsplanen").click()
    expect(page.get_by_text("0 av 10 punkter på plass")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Rediger spesialisthelsetjenestens del").click()
    check_accessibility(page)
    page.get_by_label("Oppsummering for videre oppfølging").fill("Stabil etter seks uker.")
    page.get_by_label("Legemidler").fill("Ingen vanedannende legemidler.")
    page.get_by_label("Risiko (selvmord, overdose)").fill("Økt overdoserisiko.")
    page.get_by_label("Risiko formidlet til kommunen og fastlegen").check()
    page.get_by_label("Vei tilbake", exact=True).select_option("none")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("4 av 10 punkter på plass")).to_be_visible()

    # Vadsø's coordinator sees the notice, writes the kommune part and the crisis plan, signs.
    kommune = new_page()
    log_in(kommune, coordinator.username)
    kommune.wait_for_url(LANDED)
    kommune.goto("/pasienter/")
    kommune.goto(f"/pasienter/{shared_patient.pk}/")
    expect(kommune.get_by_text("4 av 10 punkter på plass")).to_be_visible()
    check_accessibility(kommune)
    kommune.get_by_role("link", name=f"Døgn, {episode.unit.name}").click()
    check_accessibility(kommune)
    assert KommuneMessage.objects.get(episode=episode).read_by == coordinator
    kommune.get_by_role("link", name="Åpne ettervernsplanen").click()
    kommune.get_by_role("link", name="Rediger kommunens del").click()
    check_accessibility(kommune)
    kommune.get_by_label("Bolig på utskrivningsdagen").fill("Egen kommunal leilighet.")
    kommune.get_by_label("Økonomi").fill("Sosialhjelp innvilget.")
    kommune.get_by_label("Aktivitet, arbeid eller skole").fill("Arbeidstrening fra uke 2.")
    kommune.get_by_label("Første avtale i kommunen").fill(f"{first.isoformat()}T10:00")
    kommune.get_by_label("Første avtale med (navn, telefon)").fill("Kari Nilsen, 78 94 23 00")
    kommune.get_by_label("Time hos fastlege").fill(f"{first.isoformat()}T13:00")
    kommune.get_by_role("button", name="Lagre").click()
    # The patient's one crisis plan (the same form as in the individuell plan).
    kommune.get_by_role("link", name="Endre kriseplan").click()
    kommune.get_by_label("Tidlige varselsignaler").fill("Slutter å svare på telefon.")
    kommune.get_by_role("button", name="Lagre").click()
    kommune.get_by_role("link", name="Legg til kontakt").click()
    kommune.get_by_label("Navn (kontakt som ikke er i registeret)").fill("Kari Nilsen")
    kommune.get_by_label("Telefon (kontakt som ikke er i registeret)").fill("78 94 23 00")
    kommune.get_by_role("button", name="Legg til kontakt").click()
    expect(kommune.get_by_text("10 av 10 punkter på plass")).to_be_visible()
    kommune.get_by_role("button", name="Signer for kommunen").click()
    expect(kommune.get_by_text("Du har signert ettervernsplanen.")).to_be_visible()
    check_accessibility(kommune)

    # UNN signs too; the plan is ready.
    page.reload()
    page.get_by_role("button", name="Signer for spesialisthelsetjenesten").click()
    expect(page.get_by_text("Du har signert ettervernsplanen.")).to_be_visible()
    assert EttervernPlan.objects.get(episode=episode).is_signed

    # Vadsø prints the plan the patient takes home.
    kommune.reload()
    link = kommune.get_by_role("link", name="Skriv ut planen (PDF)")
    response = kommune.request.get(link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Din plan etter utskrivning" in text
    assert "Egen kommunal leilighet." in text
    assert "78 94 23 00" in text
    assert "Slutter å svare på telefon." in text
