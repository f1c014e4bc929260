"""One pathway, one story: state flows from referral to stay to discharge by itself.

Ola is referred by Vadsø, granted rett by UNN's intake team and waits on its waiting list; the
intake team records the start at TSB døgn, which joins his care team because of the referral
(no consent form typed for it); the waiting list lets him go; the discharge tells Vadsø and
completes the referral; the overview shows each phase in its true state. Only people, units and
memberships are made directly; the rest is clicked as the users would.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathways.models import KommuneMessage
from referrals.models import Referral
from tests.browser.conftest import LANDED, check_accessibility, log_in
from tests.browser.test_life_of_one_patient import (
    as_user,
    d,
    flash,
    grant_rett,
    in_days,
    intake_opens_the_referral,
    refer_to_unn,
    register_ola,
)
from tests.browser.test_life_of_one_patient import cast as cast  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def nav_consent_only(page, cast):
    """Ola agrees that NAV joins his care team; nobody types a consent for UNN's døgn unit."""
    page.get_by_role("link", name="Registrer samtykke").first.click()
    page.get_by_label(f"{cast.nav.name} (Vadsø kommune)").check()
    page.get_by_label("Samtykke gitt").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Registrer samtykke").click()
    flash(page, "Samtykket er registrert.")


def waiting_list(intake):
    intake.goto("/henvisninger/")
    intake.get_by_role("link", name=re.compile(r"^Venteliste \(\d+\)$")).click()
    return intake


def test_the_referral_follows_ola_from_the_waiting_list_through_his_stay_to_discharge(
    page, new_page, cast
):
    today = timezone.localdate()
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    overview_url = register_ola(page, axe=False)
    patient_path = re.sub(r"^https?://[^/]+", "", overview_url)
    nav_consent_only(page, cast)
    referral_url = refer_to_unn(page, cast, axe=False)
    referral_path = re.sub(r"^https?://[^/]+", "", referral_url)

    # UNN's intake team grants rett; Ola waits with a countdown to his frist.
    intake = as_user(new_page, cast.ingrid)
    intake_opens_the_referral(intake, axe=False)
    grant_rett(intake, in_days(30), in_days(14), axe=False)
    waiting_list(intake)
    expect(intake.get_by_role("link", name="Venteliste (1)")).to_be_visible()
    row = intake.get_by_role("row", name=re.compile("Nordmann, Ola"))
    expect(row).to_contain_text("dager igjen")

    # TSB døgn is not on his care team yet: Ola does not exist for Bjørn.
    bjorn = as_user(new_page, cast.bjorn)
    expect(bjorn.get_by_role("link", name="Nordmann, Ola")).to_have_count(0)
    assert bjorn.goto(patient_path).status == 404

    # The intake team records that treatment started at TSB døgn.
    intake.goto(referral_path)
    intake.get_by_role("link", name="Behandling startet").click()
    check_accessibility(intake)
    where = intake.get_by_label("Behandlingen foregår ved")
    where.select_option(label=f"{cast.dogn.name} (UNN HF)")
    intake.get_by_role("button", name="Lagre").click()
    flash(intake, "Behandlingsstart er registrert.")
    expect(intake.get_by_text("Behandling startet").first).to_be_visible()

    # Off the waiting list: no countdown, no frist warning for a patient in treatment.
    waiting_list(intake)
    expect(intake.get_by_role("link", name="Venteliste (0)")).to_be_visible()
    expect(intake.get_by_role("row", name=re.compile("Nordmann, Ola"))).to_have_count(0)
    intake.goto(referral_path)
    expect(intake.get_by_text("dager igjen")).to_have_count(0)
    expect(intake.get_by_text("virkedager igjen")).to_have_count(0)

    # TSB døgn joined the care team because of the referral, and finds Ola in its list.
    bjorn.goto("/pasienter/")
    bjorn.get_by_role("link", name="Nordmann, Ola").click()
    team = bjorn.get_by_role("region", name="Behandlingsteam")
    expect(team.get_by_role("listitem").filter(has_text="TSB døgn (UNN HF)")).to_be_visible()
    check_accessibility(bjorn)

    # Vadsø's overview: in treatment at TSB døgn since today; the referral says so too.
    page.goto(overview_url)
    stays = page.get_by_role("region", name="Innleggelse og utskrivning")
    expect(stays.get_by_role("link", name=f"Døgn, {cast.dogn.name}")).to_be_visible()
    expect(stays).to_contain_text(f"fra {d(today)}")
    expect(page.get_by_role("region", name="Henvisninger")).to_contain_text("Behandling startet")

    # Ola leaves early: Bjørn registers an unplanned discharge.
    stays = bjorn.get_by_role("region", name="Innleggelse og utskrivning")
    stays.get_by_role("link", name=f"Døgn, {cast.dogn.name}").click()
    bjorn.get_by_role("link", name="Registrer utskrivning").click()
    check_accessibility(bjorn)
    bjorn.get_by_label("Uplanlagt utskrivning / avbrudd").check()
    bjorn.get_by_label("Merknad til kommunen").fill("Reiste med bussen etter frokost.")
    bjorn.get_by_role("button", name="Registrer utskrivning").click()
    flash(bjorn, "Utskrivningen er registrert.")

    # The kommune gets the discharge message (utskrevet pasient) at once, marked urgent.
    message = KommuneMessage.objects.get(
        patient__last_name="Nordmann", kind__in=["discharged", "unplanned"]
    )
    assert message.urgent is True
    page.goto("/varsler/")
    notice = page.get_by_role("link", name=f"Uplanlagt utskrivning: {cast.dogn.name}")
    expect(notice).to_be_visible()

    # The overview shows the phase as it is: discharged today, never "planned discharge".
    page.goto(overview_url)
    stays = page.get_by_role("region", name="Innleggelse og utskrivning")
    expect(stays).to_contain_text(f"Utskrevet (ikke planlagt) {d(today)}")
    expect(stays).not_to_contain_text("planlagt utskrivning")
    referrals = page.get_by_role("region", name="Henvisninger")
    expect(referrals).to_contain_text("Behandling fullført")
    check_accessibility(page)

    referral = Referral.objects.get(patient__last_name="Nordmann")
    assert referral.state == Referral.State.COMPLETED
    assert referral.treatment_episode.unit == cast.dogn
