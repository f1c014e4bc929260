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

from pathways.models import CrisisPlan, KommuneMessage, NextOfKin
from referrals.models import Referral
from tests.browser.conftest import LANDED, check_accessibility, log_in
from tests.browser.test_life_of_one_patient import (
    admit_ola,
    as_user,
    d,
    flash,
    grant_rett,
    in_days,
    intake_opens_the_referral,
    open_pdf,
    record_consent,
    refer_to_unn,
    register_ola,
    start_plan,
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


def test_ola_s_sister_is_entered_once_his_crisis_plan_is_one_and_a_resent_referral_is_one(
    page, new_page, cast
):
    """§2 of one pathway: one person in three roles, one crisis plan in both PDFs, and a
    referral form sent twice (a retry after a timeout) that makes one referral."""
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    overview_url = register_ola(page, axe=False)
    patient_path = re.sub(r"^https?://[^/]+", "", overview_url)
    record_consent(page, cast, axe=False)

    # The referral is sent; the same form is then sent again, as a browser retrying does.
    page.get_by_role("link", name="Ny henvisning").click()
    page.get_by_label("Henvis til").select_option(label=f"{cast.intake.name} – UNN HF")
    page.get_by_label("Henvisningsårsak").fill("Daglig alkoholbruk, to overdoser siste halvår.")
    page.get_by_label("Spørsmål til spesialisthelsetjenesten").fill("Vurdering av rett til TSB.")
    page.get_by_label("Pasienten samtykket til henvisningen").fill(timezone.localdate().isoformat())
    form_url = page.url
    sent = page.evaluate(
        "() => Object.fromEntries(new FormData(document.querySelector('main form[method=post]')))"
    )
    assert sent.get("form_key"), "the referral form carries a form key"
    page.get_by_role("button", name="Send henvisning").click()
    page.wait_for_url(re.compile(r".*/henvisninger/\d+/$"))
    flash(page, "Henvisningen er sendt.")
    again = page.request.post(form_url, form=sent)
    assert again.ok
    assert "Dette skjemaet var allerede sendt" in again.text()
    assert Referral.objects.filter(patient__last_name="Nordmann").count() == 1

    # Berit, Ola's sister, goes into the register of people around him once.
    page.goto(patient_path + "parorende/")
    page.get_by_role("link", name="Legg til pårørende").click()
    page.get_by_label(re.compile(r"^Navn")).fill("Berit Nordmann")
    page.get_by_label(re.compile(r"^Relasjon til pasienten")).fill("søster")
    page.get_by_label(re.compile(r"^Telefon")).fill("911 22 333")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Berit Nordmann").first).to_be_visible()
    berit = "Berit Nordmann (søster)"

    # The plan: Berit takes part, chosen from the register.
    start_plan(page, overview_url, axe=False)
    page.get_by_role("link", name="Legg til deltaker").click()
    page.get_by_label("Type").select_option(label="Pårørende eller nettverk")
    page.get_by_label("Person fra registeret").select_option(label=berit)
    page.get_by_role("button", name="Lagre").click()

    # The crisis plan: written once, with Berit as a contact from the register.
    page.goto(patient_path + "plan/")
    page.get_by_role("link", name="Endre kriseplan").click()
    page.get_by_label("Tidlige varselsignaler").fill("Slutter å svare på telefon.")
    page.get_by_role("button", name="Lagre").click()
    page.get_by_role("link", name="Legg til kontakt").click()
    page.get_by_label("Person fra registeret").select_option(label=berit)
    page.get_by_role("button", name="Legg til kontakt").click()

    # The ansvarsgruppe: Berit is a member, chosen from the register.
    page.goto(overview_url)
    page.get_by_role("link", name="Ansvarsgruppe og møter").click()
    page.get_by_label("Pasientens ønsker om hvem som deltar").fill("Vil ha med søsteren sin.")
    page.get_by_role("button", name="Opprett ansvarsgruppe").click()
    page.get_by_role("link", name="Legg til ekstern deltaker").click()
    page.get_by_label("Person fra registeret").select_option(label=berit)
    page.get_by_label("Grunnlag for å delta").select_option(label="Pasientens samtykke")
    page.get_by_label("Merknad om samtykke eller grunnlag").fill("Muntlig samtykke i dag")
    page.get_by_role("button", name="Legg til").click()
    expect(page.get_by_text("Deltakeren er lagt til.")).to_be_visible()

    # One person: her new phone number shows in all three roles at once.
    assert NextOfKin.objects.filter(name="Berit Nordmann").count() == 1
    page.goto(patient_path + "parorende/")
    page.get_by_role("link", name="Endre Berit Nordmann").click()
    page.get_by_label(re.compile(r"^Telefon")).fill("922 33 444")
    page.get_by_role("button", name="Lagre").click()
    for path in ("plan/", "moter/", "parorende/", ""):
        page.goto(patient_path + path)
        expect(page.get_by_text("922 33 444").first).to_be_visible()
        expect(page.get_by_text("911 22 333")).to_have_count(0)

    # UNN admits Ola and starts the ettervern plan: it shows the same crisis plan.
    unn = as_user(new_page, cast.bjorn)
    admit_ola(unn, axe=False)
    unn.get_by_role("link", name="Gå til ettervernsplanen").click()
    unn.get_by_role("button", name="Start ettervernsplanen").click()
    expect(unn.get_by_text("Slutter å svare på telefon.").first).to_be_visible()

    # Both PDFs print the one crisis plan, with Berit's number as it is now.
    page.goto(patient_path + "plan/")
    plan_pdf = open_pdf(page, page.get_by_role("link", name=re.compile("Skriv ut.*PDF")).first)
    page.goto(overview_url)
    stays = page.get_by_role("region", name="Innleggelse og utskrivning")
    ettervern_pdf = open_pdf(page, stays.get_by_role("link", name="Skriv ut ettervernsplanen"))
    for text in (plan_pdf, ettervern_pdf):
        assert "Slutter å svare på telefon." in text
        assert "Berit Nordmann" in text and "922 33 444" in text
        assert "911 22 333" not in text
    assert CrisisPlan.objects.filter(patient__last_name="Nordmann").count() == 1
