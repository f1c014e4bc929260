"""Journeys through /min/ and HelseID in a real browser, logging in at a real OpenID provider.

A patient on a 360 px phone logs in with ID-porten, writes what matters to them, rates two life
areas, agrees to the plan, withdraws a consent (the unit's clinician gets 404 at once), reads the
crisis plan and logs out (here and at the provider); a staff member logs in with HelseID.
axe checks every page of ours on the way.
"""

import pytest
from playwright.sync_api import expect

from accounts.acting import Actor
from accounts.models import UserIdentity
from pathways.crisis.services import crisis_plan_save
from pathways.models import AreaRating, PlanAgreement
from pathways.portal.services import portal_access_open
from tests.browser.conftest import LANDED, check_accessibility, log_in
from tests.conftest import configure_oidc
from tests.oidc_provider import start_provider
from tests.pathways.plan.setup import add_goal, add_measure, start_plan

pytestmark = pytest.mark.django_db(transaction=True)

NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def provider(live_server, settings, tmp_path):
    started = start_provider(app=live_server.url)
    configure_oidc(settings, started, tmp_path)
    yield started
    started.stop()


def provider_log_in(page, pid):
    page.get_by_label("Fødselsnummer").fill(pid)
    page.get_by_role("button", name="Logg inn").click()


def test_a_patient_takes_part_from_the_phone(
    page, new_page, provider, shared_patient, coordinator, vadso_rus, tsb_clinician
):
    patient = shared_patient  # UNN TSB døgn is on the care team by the patient's consent
    plan = start_plan(patient, coordinator, vadso_rus, what_matters="")
    crisis_plan_save(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        data={"warning_signs": "Jeg sover dårlig.", "what_helps": "Gå en tur med hunden."},
        version=1,
    )
    add_goal(plan, coordinator, vadso_rus, text="Egen leilighet før jul.", is_main=True)
    add_measure(plan, coordinator, vadso_rus, title="Søknad om kommunal bolig")
    portal_access_open(
        actor=Actor(coordinator, vadso_rus), patient=patient, reason="Ønsket i samtale"
    )
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto("/min/innlogging/")
    check_accessibility(page)
    page.get_by_role("link", name="Logg inn med ID-porten").click()
    provider_log_in(page, patient.national_id)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Ola")
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)

    page.get_by_role("link", name="Skriv hva som er viktig for deg").click()
    check_accessibility(page)
    page.get_by_label("Hva er viktig for deg?").fill("Å se datteren min hver uke.")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Å se datteren min hver uke.")).to_be_visible()

    page.get_by_role("link", name="Hvordan har du det? Svar og se svarene dine over tid").click()
    page.get_by_role("group", name="Bosituasjon").get_by_label("2 – vanskelig").check()
    page.get_by_role("group", name="Økonomi").get_by_label("4 – bra").check()
    page.get_by_role("button", name="Lagre svarene mine").click()
    expect(page.get_by_role("img", name="Bosituasjon: 2 av 5", exact=False)).to_be_visible()
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)
    assert AreaRating.objects.filter(plan=plan).count() == 2

    page.get_by_role("link", name="Tilbake til planen min").click()
    page.get_by_role("link", name="Les og svar").click()
    check_accessibility(page)
    page.get_by_label("Jeg har lest planen og er enig").check()
    page.get_by_role("button", name="Send svaret mitt").click()
    expect(page.get_by_text("at du har lest planen og er enig")).to_be_visible()
    agreement = PlanAgreement.objects.get(plan=plan)
    assert agreement.level == "idporten-loa-high"

    # Withdrawing a consent takes the unit off the care team at once: its clinician gets 404.
    staff = new_page()
    log_in(staff, "unnbehandler")
    record = f"/pasienter/{patient.pk}/"
    assert staff.goto(record).status == 200
    page.goto("/min/")
    page.get_by_role("link", name="Samtykkene dine: se, gi eller trekk tilbake").click()
    page.get_by_role("link", name="Trekk tilbake samtykket til TSB døgn").click()
    page.get_by_role("button", name="Ja, trekk tilbake samtykket").click()
    expect(page.get_by_text("Samtykket er trukket tilbake.")).to_be_visible()
    assert staff.goto(record).status == 404

    # The crisis plan, readable on the phone.
    page.get_by_role("link", name="Tilbake til planen min").click()
    page.get_by_role("link", name="Kriseplanen min").click()
    expect(page.get_by_text("Jeg sover dårlig.")).to_be_visible()
    expect(page.get_by_role("link", name="113")).to_have_attribute("href", "tel:113")
    assert page.evaluate(NO_OVERFLOW)

    # Logging out also ends the session at the provider (its confirmation page, then back).
    page.get_by_role("button", name="Logg ut").click()
    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du er logget ut")
    check_accessibility(page)
    page.goto("/min/")
    expect(page).to_have_url(f"{page.url.split('/min/')[0]}/min/innlogging/")


def test_a_staff_member_logs_in_with_helseid(page, provider, coordinator):
    UserIdentity.objects.create(user=coordinator, helseid_pid="13097248022")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Logg inn med HelseID").click()
    provider_log_in(page, "13097248022")
    expect(page).to_have_url(LANDED)
