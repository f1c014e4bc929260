"""One way in: UNN's intake team grants rett and places Ola at a contracted institution with a
free place; Vadsø sees the place and the planned start; the institution records the start; the
placement figures move. axe-core checks the new pages."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership, Organisation, ServiceUnit
from referrals.models import Referral, TreatmentPlace
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
from tests.factories import make_org, make_unit, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(cast):
    """Finnmarkskollektivet (private, agreement with UNN, two places free now) and UNN's own
    døgn unit (no free place, six weeks' wait)."""
    unn = cast.dogn.organisation
    vadso = cast.vadso_rus.organisation
    Organisation.objects.filter(pk=vadso.pk).update(latitude=70.07, longitude=29.75)
    kollektiv_org = make_org("Finnmarkskollektivet AS", level=Organisation.Level.SPESIALIST)
    Organisation.objects.filter(pk=kollektiv_org.pk).update(is_private=True)
    kollektiv = make_unit(kollektiv_org, ServiceUnit.Kind.TSB_DOGN, "Finnmarkskollektivet døgn")
    now = timezone.now()
    common = {"health_trust": unn, "capacity_updated_at": now, "form": TreatmentPlace.Form.DOGN}
    TreatmentPlace.objects.create(
        unit=kollektiv,
        location="Alta",
        latitude=69.97,
        longitude=23.27,
        free_places=2,
        free_from=timezone.localdate(),
        profiles=["activity"],
        **common,
    )
    TreatmentPlace.objects.create(
        unit=cast.dogn,
        location="Tromsø",
        latitude=69.68,
        longitude=18.98,
        expected_wait_days=42,
        **common,
    )
    per = make_user(
        kollektiv, Membership.Role.CLINICIAN, username="per", first_name="Per", last_name="Moe"
    )
    leader = make_user(
        cast.intake, Membership.Role.LEADER, username="lena", first_name="Lena", last_name="Leder"
    )
    return {"kollektiv": kollektiv, "per": per, "leader": leader}


def test_ola_is_placed_where_a_place_is_free_and_starts_there(page, new_page, cast, places):
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    register_ola(page, axe=False)
    referral_path = re.sub(r"^https?://[^/]+", "", refer_to_unn(page, cast, axe=False))

    # UNN grants rett, then chooses the place: the free contracted place comes first.
    intake = as_user(new_page, cast.ingrid)
    intake_opens_the_referral(intake, axe=False)
    grant_rett(intake, in_days(30), in_days(14), axe=False)
    expect(intake.get_by_text("ikke valgt ennå")).to_be_visible()
    intake.get_by_role("link", name="Velg behandlingssted").click()
    check_accessibility(intake)
    rows = intake.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Finnmarkskollektivet døgn")
    expect(rows.nth(1)).to_contain_text("blant de tidligste")
    expect(rows.nth(2)).to_contain_text("TSB døgn")
    intake.get_by_label(re.compile(r"^Finnmarkskollektivet døgn · Alta")).check()
    start = in_days(2)
    intake.get_by_label("Planlagt start").fill(start.isoformat())
    intake.get_by_role("button", name="Lagre behandlingssted").click()
    flash(intake, "Behandlingsstedet er valgt. Henviser er varslet.")

    # Vadsø sees where and when, on the referral and in a notification.
    page.goto(referral_path)
    status = page.get_by_role("region", name="Status og frister")
    expect(status).to_contain_text("Finnmarkskollektivet døgn")
    expect(status).to_contain_text(d(start))
    page.goto("/varsler/")
    expect(
        page.get_by_role("link", name=re.compile("Behandlingssted valgt for Ola Nordmann"))
    ).to_be_visible()

    # The institution has Ola on its list (the placement put it on the care team) and
    # records the start; the referral leaves UNN's waiting list.
    per = as_user(new_page, places["per"])
    per.get_by_role("link", name="Nordmann, Ola").click()
    per.get_by_role("link", name="Behandling og utskrivning").click()
    per.get_by_role("link", name="Registrer innleggelse / behandlingsstart").click()
    per.get_by_label("Behandlingsform").select_option(label="Døgn")
    per.get_by_label("Planlagt utskrivningsdato").fill(in_days(60).isoformat())
    per.get_by_role("button", name="Registrer").click()
    flash(per, "Behandlingen er registrert.")
    referral = Referral.objects.get(patient__last_name="Nordmann")
    assert referral.state == Referral.State.TREATMENT_STARTED
    assert referral.treatment_episode.unit == places["kollektiv"]

    # The figures move: one placed, one started, by the planned date (started early).
    lena = as_user(new_page, places["leader"])
    lena.goto("/henvisninger/statistikk/")
    figures = lena.get_by_role("table", name="Per helseforetak og per behandlingssted")
    row = figures.get_by_role("row", name=re.compile("^Finnmarkskollektivet døgn"))
    expect(row.get_by_role("cell").nth(0)).to_have_text("1")
    expect(row.get_by_role("cell").nth(1)).to_have_text("1")
    expect(row.get_by_role("cell").nth(4)).to_have_text("100 %")
    check_accessibility(lena)

    # The places page shows the capacity; the place's own staff may update it.
    per.goto("/behandlingssteder/")
    check_accessibility(per)
    per.get_by_role("link", name=re.compile("Oppdater")).click()
    check_accessibility(per)
    per.get_by_label("Ledige plasser nå").fill("1")
    per.get_by_role("button", name="Lagre").click()
    flash(per, "Kapasiteten er oppdatert.")
