"""At 360 px (a small phone) nothing pushes the page sideways, and stacked table rows name
each cell by its column heading."""

import pytest

from tests.browser.conftest import LANDED, check_accessibility, log_in
from tests.pathways.plan.setup import appoint, record_plan_consent

pytestmark = pytest.mark.django_db(transaction=True)


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_patient_pages_fit_a_360_px_screen_and_stacked_cells_are_labelled(
    page, coordinator, vadso_rus, patient
):
    # A long koordinator line in the patient header used to push the page to 470 px.
    record_plan_consent(patient, coordinator, vadso_rus)
    appoint(patient, coordinator, vadso_rus)
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    assert _no_sideways_scroll(page)
    age = page.locator("table.table tbody td[data-label='Alder']").first
    assert age.is_visible()
    page.goto(f"/pasienter/{patient.pk}/")
    assert page.get_by_text("Koordinator:").first.is_visible()
    for path in ("", "plan/", "logg/", "samtykke/", "behandlingsteam/", "parorende/"):
        page.goto(f"/pasienter/{patient.pk}/{path}")
        assert _no_sideways_scroll(page), path
    page.goto(f"/pasienter/{patient.pk}/logg/")
    cell = page.locator("table.table tbody td[data-label='Hva']").first
    assert cell.inner_text().startswith("Lest:")
    # The heading is shown before the value when the row is stacked.
    before = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Hva" in before
    check_accessibility(page)
