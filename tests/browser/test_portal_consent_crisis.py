"""On a 360 px phone: the patient withdraws a consent (the unit loses access at once), reads the
crisis plan and who has read the record, and asks why. Demo login (DEMO_PORTAL_LOGIN), as
``make run`` offers it; axe checks each new page."""

import pytest
from playwright.sync_api import expect

from accounts.acting import Actor
from accounts.models import Membership
from pathways.crisis import services as crisis_services
from pathways.models import CareTeamMember, Consent, Notification
from pathways.portal.services import portal_access_open, portal_login
from tests.browser.conftest import check_accessibility, log_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
PASSWORD = "a-long-demo-password-1"


@pytest.fixture
def patient_login(settings, shared_patient, coordinator, vadso_rus):
    """Ola may log in at /min/innlogging/demo/ as "min.ola"."""
    settings.DEMO_PORTAL_LOGIN = True
    access = portal_access_open(
        actor=Actor(coordinator, vadso_rus), patient=shared_patient, reason="Ønsket i samtale"
    )
    user = portal_login(portal_access=access, level="demo", method="test")
    user.username = "min.ola"
    user.set_password(PASSWORD)
    user.save()
    return user


def test_the_patient_withdraws_a_consent_and_reads_the_crisis_plan(
    page,
    new_page,
    patient_login,
    shared_patient,
    coordinator,
    vadso_rus,
    unn_tsb,
    tsb_clinician,
):
    actor = Actor(coordinator, vadso_rus)
    crisis_services.crisis_plan_save(
        patient=shared_patient,
        actor=actor,
        data={"warning_signs": "Jeg sover dårlig.", "what_helps": "Gå en tur med hunden."},
        version=1,
    )
    crisis_services.crisis_contact_add(
        patient=shared_patient,
        actor=actor,
        data={"name": "Søster Anne", "role": "søster", "phone": "900 00 000"},
    )
    make_user(unn_tsb, Membership.Role.LEADER, username="tsbleder")

    # The TSB clinician reads the record while the consent holds.
    staff = new_page()
    log_in(staff, "unnbehandler")
    record = f"/pasienter/{shared_patient.pk}/"
    assert staff.goto(record).status == 200

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/min/innlogging/demo/")
    page.get_by_label("Demobruker").fill("min.ola")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hei, Ola")

    # Consents: see, confirm, withdraw.
    page.get_by_role("link", name="Samtykkene dine: se, gi eller trekk tilbake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samtykkene dine")
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)
    page.get_by_role("link", name="Trekk tilbake samtykket til TSB døgn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trekke tilbake samtykket?")
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)
    page.get_by_role("button", name="Ja, trekk tilbake samtykket").click()
    expect(page.get_by_text("Samtykket er trukket tilbake.")).to_be_visible()
    expect(page.get_by_text("Trukket tilbake", exact=False).first).to_be_visible()
    assert Consent.objects.get(patient=shared_patient, unit=unn_tsb).withdrawn_at is not None
    assert not CareTeamMember.objects.active().filter(patient=shared_patient, unit=unn_tsb)

    # The unit has lost access at once: the same clinician now gets 404.
    assert staff.goto(record).status == 404

    # The crisis plan, one tap from the start page.
    page.get_by_role("link", name="Tilbake til planen min").click()
    page.get_by_role("link", name="Kriseplanen min").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kriseplanen min")
    expect(page.get_by_text("Jeg sover dårlig.")).to_be_visible()
    expect(page.get_by_role("link", name="Ring 900 00 000")).to_have_attribute(
        "href", "tel:90000000"
    )
    expect(page.get_by_role("link", name="113")).to_have_attribute("href", "tel:113")
    assert page.evaluate(NO_OVERFLOW)
    assert page.evaluate("() => window.localStorage.length") == 0
    check_accessibility(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned kortet (PDF)").click()
    assert download.value.suggested_filename == "kriseplan.pdf"

    # Who has read my record, and a question about the clinician's line.
    page.get_by_role("link", name="Tilbake til planen min").click()
    page.get_by_role("link", name="Hvem har lest journalen din").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvem har lest journalen din")
    assert page.evaluate(NO_OVERFLOW)
    check_accessibility(page)
    name = tsb_clinician.get_full_name()
    # The refused attempt after the withdrawal is a line of its own.
    expect(page.get_by_text("prøvde å åpne den uten tilgang 1 gang")).to_be_visible()
    page.get_by_role("link", name=f"Spør hvorfor {name} leste den").click()
    check_accessibility(page)
    page.get_by_label("Hva vil du vite?").fill("Jeg kjenner ikke denne behandleren.")
    page.get_by_role("button", name="Send spørsmålet").click()
    expect(page.get_by_text("Spørsmålet ditt er sendt.")).to_be_visible()
    assert Notification.objects.filter(kind="access_question", user__username="tsbleder").exists()


def test_the_staff_access_page_with_a_guardian(page, coordinator, patient):
    log_in(page, "kari")
    page.goto(f"/pasienter/{patient.pk}/min-plan/")
    page.get_by_role("textbox", name="Verge").fill("Per Verge")
    page.get_by_role("button", name="Lagre verge").click()
    expect(page.get_by_text("Pasienten har verge: Per Verge.")).to_be_visible()
    expect(page.get_by_label("Begrunnelse til tross for vergemålet")).to_be_visible()
    check_accessibility(page)
