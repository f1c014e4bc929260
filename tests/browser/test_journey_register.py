"""Log in, register a patient, see the overview; axe-core on each page."""

import pytest

from .conftest import check_accessibility, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_registers_a_patient_and_sees_the_overview(page, coordinator):
    log_in(page, coordinator.username)
    page.wait_for_url("**/pasienter/")
    check_accessibility(page)
    page.get_by_role("link", name="Registrer pasient").click()
    check_accessibility(page)
    page.get_by_label("Personen har ikke norsk fødselsnummer").check()
    page.get_by_label("Fornavn").fill("Ola")
    page.get_by_label("Etternavn").fill("Nordmann")
    page.get_by_role("button", name="Registrer").click()
    # The form keeps what was typed and says what is missing beside the field.
    assert page.get_by_text("Oppgi fødselsdato.").first.is_visible()
    assert page.get_by_label("Fornavn").input_value() == "Ola"
    page.get_by_label("Fødselsdato").fill("1985-04-12")
    page.get_by_role("button", name="Registrer").click()
    page.wait_for_url("**/pasienter/*/")
    assert page.get_by_text("Ola Nordmann").first.is_visible()
    check_accessibility(page)
