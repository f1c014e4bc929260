"""Log in, register a patient, record consent for a second unit, see the overview.

axe-core checks every page on the way.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LANDED, check_accessibility, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_registers_a_patient_and_sees_the_overview(page, coordinator):
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    check_accessibility(page)
    page.get_by_role("link", name="Registrer pasient").click()
    check_accessibility(page)
    page.get_by_label("Personen har ikke norsk fødselsnummer").check()
    page.get_by_label("Fornavn").fill("Ola")
    page.get_by_label("Etternavn").fill("Nordmann")
    page.get_by_role("button", name="Registrer").click()
    # The form keeps what was typed and says what is missing beside the field.
    expect(page.get_by_text("Oppgi fødselsdato.").first).to_be_visible()
    assert page.get_by_label("Fornavn").input_value() == "Ola"
    check_accessibility(page)
    page.get_by_label("Fødselsdato").fill("1985-04-12")
    page.get_by_role("button", name="Registrer").click()
    page.wait_for_url("**/pasienter/*/")
    expect(page.get_by_text("Ola Nordmann").first).to_be_visible()
    check_accessibility(page)


def test_a_coordinator_records_consent_for_a_second_unit(page, coordinator, unn_tsb):
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    page.get_by_role("link", name="Registrer pasient").click()
    page.get_by_label("Personen har ikke norsk fødselsnummer").check()
    page.get_by_label("Fornavn").fill("Kari")
    page.get_by_label("Etternavn").fill("Hansen")
    page.get_by_label("Fødselsdato").fill("1979-11-02")
    page.get_by_role("button", name="Registrer").click()
    page.wait_for_url("**/pasienter/*/")
    overview_url = page.url

    page.get_by_role("link", name="Registrer samtykke").first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Registrer samtykke").click()
    # Sharing needs a unit: the message stands beside the field.
    expect(page.get_by_text("Velg minst én enhet det skal deles med.").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("TSB døgn (UNN HF)").check()
    page.get_by_role("button", name="Registrer samtykke").click()
    page.wait_for_url(overview_url)
    expect(page.get_by_text("Samtykket er registrert.")).to_be_visible()
    team = page.get_by_role("region", name="Behandlingsteam")
    expect(team.get_by_text("TSB døgn").first).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Behandlingsteam og historikk").click()
    expect(page.get_by_role("heading", name="Behandlingsteam", level=1)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Tilgangslogg").click()
    expect(page.get_by_role("cell", name="Opprettet").first).to_be_visible()
    check_accessibility(page)
