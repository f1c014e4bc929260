"""The referral journeys in a real browser, with axe-core on each page:
Vadsø refers Ola to UNN, UNN's intake team grants rett with a frist, Vadsø sees it; and UNN
rejects and forwards to a DPS, which sees the referral with the original seniority date."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.acting import Actor
from accounts.models import Membership, ServiceUnit
from referrals import services
from referrals.models import Referral
from tests.browser.conftest import LANDED, check_accessibility, log_in
from tests.factories import make_unit, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_vadso_refers_unn_grants_rett_and_vadso_sees_it(
    page, new_page, coordinator, tsb_intake, patient, unn_intake
):
    log_in(page, coordinator.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    page.goto(f"/pasienter/{patient.pk}/")
    page.get_by_role("link", name="Ny henvisning").click()
    page.wait_for_url("**/henvisninger/ny/**")
    check_accessibility(page)
    page.get_by_label("Henvis til").select_option(
        label=f"{unn_intake.name} – {unn_intake.organisation.name}"
    )
    page.get_by_label("Henvisningsårsak").fill("Daglig alkoholbruk, to overdoser siste halvår.")
    page.get_by_label("Spørsmål til spesialisthelsetjenesten").fill("Vurdering av rett til TSB.")
    page.get_by_role("button", name="Send henvisning").click()
    # Without the consent date nothing is sent; the text typed is kept.
    expect(
        page.get_by_text("Registrer når pasienten samtykket til henvisningen.").first
    ).to_be_visible()
    assert page.get_by_label("Henvisningsårsak").input_value().startswith("Daglig alkoholbruk")
    check_accessibility(page)
    page.get_by_label("Pasienten samtykket til henvisningen").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Send henvisning").click()
    page.wait_for_url("**/henvisninger/*/")
    expect(page.get_by_text("Henvisningen er sendt.")).to_be_visible()
    check_accessibility(page)
    detail_url = page.url

    intake = new_page()
    log_in(intake, tsb_intake.username)
    intake.wait_for_url(LANDED)
    intake.goto("/pasienter/")
    intake.get_by_role("link", name="Henvisninger").click()
    expect(intake.get_by_role("link", name="Innkommende (1)")).to_be_visible()
    expect(intake.get_by_text("10 virkedager igjen").first).to_be_visible()
    check_accessibility(intake)
    intake.get_by_role("link", name="Nordmann, Ola").click()
    check_accessibility(intake)
    intake.get_by_role("link", name="Vurder", exact=True).click()
    check_accessibility(intake)
    frist = timezone.localdate() + datetime.timedelta(days=45)
    intake.get_by_label("Rett til nødvendig helsehjelp", exact=True).check()
    intake.get_by_label("Frist for start av helsehjelp").fill(frist.isoformat())
    intake.get_by_label("Type helsehjelp").select_option(label="Døgn")
    intake.get_by_role("button", name="Lagre vedtak").click()
    intake.wait_for_url("**/henvisninger/*/")
    expect(intake.get_by_text("Rett til nødvendig helsehjelp er innvilget.")).to_be_visible()

    page.goto(detail_url)
    expect(page.get_by_text("Rett til nødvendig helsehjelp innvilget").first).to_be_visible()
    expect(page.get_by_text(frist.strftime("%-d.%-m.%Y")).first).to_be_visible()
    page.goto("/henvisninger/?fane=sendt")
    expect(page.get_by_role("cell", name="Rett til nødvendig helsehjelp innvilget")).to_be_visible()
    check_accessibility(page)


def test_unn_rejects_and_forwards_to_the_dps_which_sees_the_original_seniority_date(
    page, new_page, coordinator, vadso_rus, tsb_intake, unn_intake, patient, unn
):
    dps = make_unit(unn, ServiceUnit.Kind.DPS, "DPS Nord-Troms")
    dps_user = make_user(dps, Membership.Role.CLINICIAN, username="dpsbehandler")
    referral = services.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data={
            "reason": "Stemmehøring og isolasjon, noe cannabis.",
            "question": "Vurdering av TSB eller psykisk helsevern.",
            "urgency": "ordinary",
            "consent_given_on": timezone.localdate(),
        },
        send=True,
    )
    seniority = timezone.localdate() - datetime.timedelta(days=6)
    Referral.objects.filter(pk=referral.pk).update(seniority_date=seniority)

    log_in(page, tsb_intake.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    page.goto(f"/henvisninger/{referral.pk}/vurder/")
    page.get_by_label("Avslag", exact=True).check()
    page.get_by_label("Begrunnelse for avslag").fill(
        "Psykoseproblematikk er hovedproblemet; hører hjemme i DPS."
    )
    page.get_by_label("Videresend til en annen enhet i spesialisthelsetjenesten").select_option(
        label=f"{dps.name} – {unn.name}"
    )
    check_accessibility(page)
    page.get_by_role("button", name="Lagre vedtak").click()
    page.wait_for_url(f"**/henvisninger/{referral.pk}/")
    expect(
        page.get_by_text(f"Henvisningen er avslått og videresendt til {dps.name}.")
    ).to_be_visible()
    check_accessibility(page)

    dps_page = new_page()
    log_in(dps_page, dps_user.username)
    dps_page.wait_for_url(LANDED)
    dps_page.goto("/pasienter/")
    dps_page.goto("/henvisninger/")
    expect(dps_page.get_by_role("link", name="Innkommende (1)")).to_be_visible()
    expect(dps_page.get_by_role("cell", name=seniority.strftime("%-d.%-m.%Y"))).to_be_visible()
    dps_page.get_by_role("link", name="Nordmann, Ola").click()
    dps_page.wait_for_url("**/henvisninger/*/")
    expect(dps_page.get_by_text(seniority.strftime("%-d.%-m.%Y")).first).to_be_visible()
    # The whole history came along: UNN's rejection is on the DPS's timeline.
    expect(dps_page.get_by_text("Psykoseproblematikk er hovedproblemet").first).to_be_visible()
    check_accessibility(dps_page)
