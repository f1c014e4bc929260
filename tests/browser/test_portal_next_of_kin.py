"""§3 in a real browser on a 360 px phone, logging in at a real OpenID provider.

The patient gives their mother "meetings and minutes" at /min/parorende/; the mother logs in
with ID-porten, reads the published minutes, and finds nothing else: the plan and the crisis
plan answer 404. axe checks the new pages on the way.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.acting import Actor
from pathways.models import NextOfKin, PortalAccess
from pathways.patients.demo_ids import synthetic_id
from pathways.portal.services import portal_access_open
from tests.browser.conftest import check_accessibility
from tests.browser.test_journey_portal import NO_OVERFLOW, provider_log_in
from tests.conftest import configure_oidc
from tests.oidc_provider import start_provider
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.plan.setup import add_goal, start_plan

pytestmark = pytest.mark.django_db(transaction=True)

MOTHER_ID = synthetic_id(datetime.date(1960, 5, 17), serial=4)


@pytest.fixture
def provider(live_server, settings, tmp_path):
    started = start_provider(app=live_server.url)
    configure_oidc(settings, started, tmp_path)
    yield started
    started.stop()


def test_a_pårørende_reads_the_minutes_given_and_nothing_else(
    page, new_page, provider, patient, coordinator, vadso_rus, published
):
    plan = start_plan(patient, coordinator, vadso_rus)
    add_goal(plan, coordinator, vadso_rus, text="Egen leilighet før jul.", is_main=True)
    NextOfKin.objects.create(patient=patient, name="Randi Nordmann", relation="Mor")
    portal_access_open(
        actor=Actor(coordinator, vadso_rus), patient=patient, reason="Ønsket i samtale"
    )

    # The patient, on the phone: the meetings and goals pages, then the grant.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/min/innlogging/")
    page.get_by_role("link", name="Logg inn med ID-porten").click()
    provider_log_in(page, patient.national_id)
    page.get_by_role("link", name="Møter og referater").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møter")
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)
    page.get_by_role("link", name="Tilbake til planen min").click()
    page.get_by_role("link", name="Målene dine og hvordan det går").click()
    expect(page.get_by_role("heading", name="Hovedmål: Egen leilighet før jul.")).to_be_visible()
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)
    page.get_by_role("link", name="Tilbake til planen min").click()

    page.get_by_role("link", name="La en av dine nærmeste se planen din").click()
    check_accessibility(page)
    page.get_by_role("combobox", name="Hvem").select_option(label="Randi Nordmann (Mor)")
    page.get_by_label("Personens fødselsnummer (11 siffer)").fill(MOTHER_ID)
    page.get_by_label("Møter og referater").check()
    last_day = timezone.localdate() + datetime.timedelta(days=90)
    page.get_by_label("Til og med").fill(last_day.isoformat())
    page.get_by_role("button", name="Gi tilgang").click()
    expect(page.get_by_text("Randi Nordmann kan nå logge inn")).to_be_visible()
    expect(page.get_by_text("Kan se: Møter og referater")).to_be_visible()
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)
    grant = PortalAccess.objects.get(role=PortalAccess.Role.NEXT_OF_KIN)
    assert grant.parts == {PortalAccess.Part.MEETINGS}

    # The mother, on her own phone.
    mother = new_page()
    mother.set_viewport_size({"width": 360, "height": 740})
    mother.goto("/min/innlogging/")
    mother.get_by_role("link", name="Logg inn med ID-porten").click()
    provider_log_in(mother, MOTHER_ID)
    expect(mother.get_by_role("heading", level=1)).to_have_text("Planen til Ola Nordmann")
    expect(mother.get_by_text("Egen leilighet før jul.")).to_have_count(0)
    check_accessibility(mother)
    mother.get_by_role("link", name="Møter og referater").click()
    expect(mother.get_by_role("link", name="Foreslå et punkt")).to_have_count(0)
    check_accessibility(mother)
    mother.get_by_role("link", name="Referat fra møtet").first.click()
    expect(mother.get_by_text("Ola har fått leilighet.").first).to_be_visible()
    expect(mother.get_by_text("NAV søker bostøtte.").first).to_be_visible()
    assert mother.evaluate(NO_OVERFLOW)
    check_accessibility(mother)

    for url in ("/min/plan/", "/min/kriseplan/", "/min/parorende/", "/min/viktig/"):
        assert mother.goto(url).status == 404, url
