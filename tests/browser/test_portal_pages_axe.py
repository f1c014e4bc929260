"""axe on a 360 px phone on the /min/ pages no journey walks through: proposing a goal, telling
how a goal goes, giving a consent, proposing an agenda item, the demo login, the chooser of a
pårørende with two plans, the portal's 404 page, both login-failed pages and the staff login
page with the HelseID button; and the team's self-rating chart on the plan page.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.acting import Actor
from accounts.models import UserIdentity
from pathways.models import AreaRating, LifeArea, NextOfKin, PortalAccess
from pathways.portal import grants
from pathways.portal.services import portal_access_open, portal_login
from tests.browser.conftest import check_accessibility, log_in
from tests.conftest import configure_oidc
from tests.factories import make_patient
from tests.oidc_provider import start_provider
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.plan.setup import add_goal, start_plan
from tests.pathways.portal.conftest import KIN_ID

pytestmark = pytest.mark.django_db(transaction=True)

NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
PASSWORD = "a-long-demo-password-1"


@pytest.fixture
def provider(live_server, settings, tmp_path):
    started = start_provider(app=live_server.url)
    configure_oidc(settings, started, tmp_path)
    yield started
    started.stop()


def _demo_account(access, username):
    user = portal_login(portal_access=access, level="demo", method="test")
    user.username = username
    user.set_password(PASSWORD)
    user.save()
    return user


def _demo_log_in(page, username):
    page.goto("/min/innlogging/demo/")
    page.get_by_label("Demobruker").fill(username)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def _checked(page, heading):
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page.evaluate(NO_OVERFLOW), page.url
    check_accessibility(page)


def test_the_patients_form_pages_on_the_phone(
    page, settings, shared_patient, coordinator, vadso_rus, planned
):
    settings.DEMO_PORTAL_LOGIN = True
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    goal = add_goal(plan, coordinator, vadso_rus, text="Egen leilighet før jul.", is_main=True)
    access = portal_access_open(
        actor=Actor(coordinator, vadso_rus), patient=shared_patient, reason="Ønsket i samtale"
    )
    _demo_account(access, "min.ola")
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto("/min/innlogging/demo/")
    _checked(page, "Logg inn i demoen")
    _demo_log_in(page, "min.ola")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Ola")

    page.goto("/min/plan/nytt-mal/")
    check_accessibility(page)
    assert page.evaluate(NO_OVERFLOW)
    page.goto(f"/min/plan/mal/{goal.pk}/slik-gar-det/")
    check_accessibility(page)
    assert page.evaluate(NO_OVERFLOW)
    page.goto("/min/samtykker/nytt/")
    check_accessibility(page)
    assert page.evaluate(NO_OVERFLOW)
    page.goto(f"/min/moter/{planned.pk}/foresla/")
    check_accessibility(page)
    assert page.evaluate(NO_OVERFLOW)

    # A staff page from a patient's session: the portal's own 404 page.
    response = page.goto("/pasienter/")
    assert response.status == 404
    expect(page.get_by_role("link", name="Tilbake til planen min")).to_be_visible()
    check_accessibility(page)
    assert page.evaluate(NO_OVERFLOW)


def test_a_next_of_kin_of_two_patients_chooses_on_the_phone(
    page, settings, shared_patient, coordinator, vadso_rus
):
    settings.DEMO_PORTAL_LOGIN = True
    other = make_patient(vadso_rus, by=coordinator, first_name="Kari", last_name="Fjellheim")
    ends_on = timezone.localdate() + datetime.timedelta(days=30)
    for patient, parts in (
        (shared_patient, [PortalAccess.Part.MEETINGS]),
        (other, [PortalAccess.Part.CRISIS_PLAN]),
    ):
        own = portal_access_open(
            actor=Actor(coordinator, vadso_rus), patient=patient, reason="Ønsket"
        )
        portal_login(portal_access=own, level="demo", method="test")
        own.refresh_from_db()
        grant = grants.next_of_kin_grant(
            portal_access=own,
            actor=Actor(own.user),
            next_of_kin=NextOfKin.objects.create(patient=patient, name="Anne", relation="søster"),
            national_id=KIN_ID,
            parts=parts,
            ends_on=ends_on,
        )
        # A pårørende keeps one account for every grant.
        _demo_account(grant, "min.anne")
    page.set_viewport_size({"width": 360, "height": 740})
    _demo_log_in(page, "min.anne")
    _checked(page, "Velg hvem sin plan du ser")
    page.get_by_label("Planen til Kari Fjellheim", exact=False).check()
    page.get_by_role("button", name="Vis denne planen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planen til Kari Fjellheim")
    page.get_by_role("link", name="Se en annen plan du har tilgang til").click()
    check_accessibility(page)


def test_the_login_pages_and_their_failures_on_the_phone(page, new_page, provider, coordinator):
    UserIdentity.objects.create(user=coordinator, helseid_pid="13097248022")
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto("/accounts/login/")
    expect(page.get_by_role("link", name="Logg inn med HelseID")).to_be_visible()
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)

    # HelseID at a level below high: the staff login-failed page.
    page.get_by_role("link", name="Logg inn med HelseID").click()
    page.get_by_label("Fødselsnummer").fill("13097248022")
    page.get_by_label("Sikkerhetsnivå").select_option("idporten-loa-substantial")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_text("lavere sikkerhetsnivå")).to_be_visible()
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)

    # ID-porten for someone without access: the portal's login-failed page (in a browser of
    # its own: the provider would otherwise remember the login above).
    page = new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/min/innlogging/")
    page.get_by_role("link", name="Logg inn med ID-porten").click()
    page.get_by_label("Fødselsnummer").fill("01010112345")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Innloggingen ble ikke fullført")
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)


def test_the_team_reads_the_self_rating_chart_on_the_plan_page(
    page, shared_patient, coordinator, vadso_rus
):
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    today = timezone.localdate()
    for days_ago, score in ((30, 2), (0, 4)):
        AreaRating.objects.create(
            plan=plan,
            life_area=LifeArea.HOUSING,
            score=score,
            rated_on=today - datetime.timedelta(days=days_ago),
            by=coordinator,
        )
    log_in(page, coordinator.username)
    page.goto(f"/pasienter/{shared_patient.pk}/plan/")
    expect(
        page.get_by_role("img", name="Bosituasjon: fra 2 til 4 av 5 over 2 vurderinger.")
    ).to_be_visible()
    check_accessibility(page)
