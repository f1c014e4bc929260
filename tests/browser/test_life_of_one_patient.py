"""The life of one patient, end to end in a real browser (DOMAIN.md, "Life of one patient").

Vadsø kommune's ruskonsulent registers Ola and refers him to TSB at UNN; UNN's intake team
grants rett with a frist (or rejects and forwards to a DPS); Vadsø follows him up while he
waits; UNN admits him and tells Vadsø; Vadsø's koordinator starts the individual plan; the
ansvarsgruppe meets; both sides write the ettervern plan; the plan is revised and the access
log printed.

Only the people, units and memberships are made directly; everything else goes through the
pages, as the users would click it. axe-core checks each new page on the way.
"""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Membership, Organisation, ServiceUnit
from pathways.patients.demo_ids import synthetic_id
from tests.browser.conftest import LANDED, check_accessibility, log_in, meeting_time_comes
from tests.factories import make_org, make_unit, make_user

pytestmark = pytest.mark.django_db(transaction=True)

Kind = ServiceUnit.Kind
Role = Membership.Role
OLA_BIRTH = datetime.date(1984, 3, 14)


def d(day: datetime.date) -> str:
    """A date as the pages show it (23.11.2026)."""
    return f"{day.day}.{day.month}.{day.year}"


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


class Cast:
    """Vadsø (ruskonsulent and koordinator Kari, NAV), UNN (intake, TSB døgn) and a DPS."""

    def __init__(self):
        vadso = make_org("Vadsø kommune")
        self.vadso_rus = make_unit(vadso, Kind.RUS_PSYKISK_HELSE, "Rus- og psykisk helseenheten")
        self.nav = make_unit(vadso, Kind.NAV, "NAV Vadsø")
        unn = make_org("UNN HF", level=Organisation.Level.SPESIALIST)
        self.intake = make_unit(unn, Kind.TSB_POLIKLINIKK, "TSB inntaksteam")
        self.dogn = make_unit(unn, Kind.TSB_DOGN, "TSB døgn")
        self.dps = make_unit(unn, Kind.DPS, "DPS Nord-Troms")
        self.kari = make_user(
            self.vadso_rus, Role.COORDINATOR, username="kari", first_name="Kari", last_name="Nilsen"
        )
        self.nina = make_user(
            self.nav, Role.CLINICIAN, username="nina", first_name="Nina", last_name="Veileder"
        )
        self.ingrid = make_user(
            self.intake, Role.INTAKE, username="ingrid", first_name="Ingrid", last_name="Inntak"
        )
        self.bjorn = make_user(
            self.dogn, Role.CLINICIAN, username="bjorn", first_name="Bjørn", last_name="Berg"
        )
        self.dina = make_user(
            self.dps, Role.CLINICIAN, username="dina", first_name="Dina", last_name="Dahl"
        )


@pytest.fixture
def cast(db):
    return Cast()


def as_user(open_page, user):
    page = open_page()
    log_in(page, user.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    return page


def open_pdf(page, link) -> str:
    """Click a PDF link as the user would and return the document's text.

    Links marked `download` save the file; the others open it in the browser's viewer, from
    which the test steps back to the page it came from.
    """
    if link.get_attribute("download") is not None:
        with page.expect_download() as download:
            link.click()
        path = download.value.path()
        assert download.value.suggested_filename.endswith(".pdf")
        with open(path, "rb") as pdf:
            data = pdf.read()
    else:
        # The viewer keeps the bytes to itself: read the document it shows from the same session.
        link.click()
        page.wait_for_url(re.compile(r".*\.pdf(\?.*)?$"))
        response = page.request.get(page.url)
        assert response.ok and response.headers["content-type"] == "application/pdf"
        data = response.body()
        page.go_back()
    pages = PdfReader(io.BytesIO(data)).pages
    # Table cells wrap lines; compare words, not layout.
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def flash(page, text):
    expect(page.get_by_text(text).first).to_be_visible()


# --- 1. Vadsø registers Ola, records his consent and refers him to UNN -----------------------


def register_ola(page, axe=True):
    """From the patient list to Ola's overview; returns the overview's path."""
    if axe:
        check_accessibility(page)
    page.get_by_role("link", name="Registrer pasient").click()
    if axe:
        check_accessibility(page)
    page.get_by_label("Fødselsnummer eller D-nummer").fill(synthetic_id(OLA_BIRTH, serial=7))
    page.get_by_label("Fornavn").fill("Ola")
    page.get_by_label("Etternavn").fill("Nordmann")
    page.get_by_label("Bostedskommune").select_option(label="Vadsø kommune")
    page.get_by_label("Telefon").fill("909 12 345")
    page.get_by_label("Fastlege (navn)").fill("Lise Berg")
    page.get_by_role("button", name="Registrer").click()
    page.wait_for_url(re.compile(r".*/pasienter/\d+/$"))
    flash(page, "Pasienten er registrert.")
    expect(page.get_by_text("14. mars 1984")).to_be_visible()
    if axe:
        check_accessibility(page)
    return page.url


def record_consent(page, cast, axe=True):
    """Ola agrees that TSB døgn at UNN and NAV Vadsø join his care team."""
    page.get_by_role("link", name="Registrer samtykke").first.click()
    if axe:
        check_accessibility(page)
    page.get_by_label(f"{cast.dogn.name} (UNN HF)").check()
    page.get_by_label(f"{cast.nav.name} (Vadsø kommune)").check()
    page.get_by_label("Samtykke gitt").fill(timezone.localdate().isoformat())
    page.get_by_label("Merknad").fill("Muntlig samtykke i samtale på kontoret.")
    page.get_by_role("button", name="Registrer samtykke").click()
    flash(page, "Samtykket er registrert.")
    team = page.get_by_role("region", name="Behandlingsteam")
    for member in ("TSB døgn (UNN HF)", "NAV Vadsø (Vadsø kommune)"):
        expect(team.get_by_role("listitem").filter(has_text=member)).to_be_visible()


def refer_to_unn(page, cast, axe=True):
    """From Ola's overview: the referral is sent; returns the referral's path."""
    page.get_by_role("link", name="Ny henvisning").click()
    if axe:
        check_accessibility(page)
    page.get_by_label("Henvis til").select_option(label=f"{cast.intake.name} – UNN HF")
    page.get_by_label("Henvisningsårsak").fill(
        "Daglig alkoholbruk og benzodiazepiner, to overdoser siste halvår."
    )
    page.get_by_label("Spørsmål til spesialisthelsetjenesten").fill(
        "Vurdering av rett til TSB, helst døgnbehandling."
    )
    page.get_by_label("Pasientens egne ønsker").fill(
        "Jeg vil bli rusfri og få tilbake kontakten med datteren min."
    )
    page.get_by_label("Pasienten samtykket til henvisningen").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Send henvisning").click()
    page.wait_for_url(re.compile(r".*/henvisninger/\d+/$"))
    flash(page, "Henvisningen er sendt.")
    expect(page.get_by_text(f"{d(timezone.localdate())}").first).to_be_visible()
    expect(page.get_by_text("10 virkedager igjen")).to_be_visible()
    if axe:
        check_accessibility(page)
    return page.url


def intake_opens_the_referral(page, axe=True):
    """UNN's intake team finds the referral with its countdown among the incoming ones."""
    page.get_by_role("link", name="Henvisninger").click()
    expect(page.get_by_role("link", name="Innkommende (1)")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Nordmann, Ola"))
    expect(row.get_by_text("10 virkedager igjen")).to_be_visible()
    expect(row.get_by_text("Vadsø kommune")).to_be_visible()
    if axe:
        check_accessibility(page)
    row.get_by_role("link", name="Nordmann, Ola").click()
    page.wait_for_url(re.compile(r".*/henvisninger/\d+/$"))
    expect(page.get_by_text("Jeg vil bli rusfri").first).to_be_visible()
    if axe:
        check_accessibility(page)
    page.get_by_role("button", name="Start vurdering").click()
    flash(page, "Du har startet vurderingen.")
    page.get_by_role("link", name="Vurder", exact=True).click()
    if axe:
        check_accessibility(page)


def grant_rett(page, frist, first_appointment, axe=True):
    page.get_by_label("Rett til nødvendig helsehjelp", exact=True).check()
    page.get_by_label("Frist for start av helsehjelp").fill(frist.isoformat())
    page.get_by_label("Type helsehjelp").select_option(label="Døgn")
    page.get_by_label("Planlagt første time (hvis kjent)").fill(
        f"{first_appointment.isoformat()}T09:00"
    )
    page.get_by_label("Merknad til henviser").fill("Innkalling sendes pasienten i posten.")
    page.get_by_role("button", name="Lagre vedtak").click()
    page.wait_for_url(re.compile(r".*/henvisninger/\d+/$"))
    flash(page, "Rett til nødvendig helsehjelp er innvilget.")
    if axe:
        check_accessibility(page)


def ola_waits_for_treatment(page, intake, cast):
    """Steps 1 and 2 (grant) without the checks on the way; returns Ola's overview path."""
    overview_url = register_ola(page, axe=False)
    record_consent(page, cast, axe=False)
    refer_to_unn(page, cast, axe=False)
    intake_opens_the_referral(intake, axe=False)
    grant_rett(intake, in_days(30), in_days(14), axe=False)
    return overview_url


def test_ola_is_referred_granted_rett_and_followed_up_while_he_waits(page, new_page, cast):
    # 1. The ruskonsulent in Vadsø registers Ola, records his consent and refers him.
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    register_ola(page)
    record_consent(page, cast)
    referral_url = refer_to_unn(page, cast)

    # 2. UNN's intake team sees the referral with its countdown and grants rett with a frist.
    intake = as_user(new_page, cast.ingrid)
    intake_opens_the_referral(intake)
    frist, first_appointment = in_days(30), in_days(14)
    grant_rett(intake, frist, first_appointment)
    expect(intake.get_by_text(f"{d(first_appointment)} 09:00")).to_be_visible()

    # Vadsø is told, and sees the decision on the referral and in its list of sent referrals.
    page.get_by_role("link", name=re.compile(r"^Varsler \(\d+\)$")).click()
    check_accessibility(page)
    page.get_by_role(
        "link", name=f"Rett til helsehjelp innvilget for Ola Nordmann, frist {frist:%d.%m.%Y}"
    ).click()
    page.wait_for_url(referral_url)
    expect(page.get_by_text("Rett til nødvendig helsehjelp innvilget").first).to_be_visible()
    expect(page.get_by_text(d(frist)).first).to_be_visible()
    expect(page.get_by_text("Innkalling sendes pasienten i posten.").first).to_be_visible()
    text = open_pdf(page, page.get_by_role("link", name="Svarbrev til pasienten (PDF)"))
    assert "Ola Nordmann" in text and d(frist) in text
    page.get_by_role("link", name="Henvisninger").click()
    page.get_by_role("link", name=re.compile(r"^Sendt")).click()
    expect(page.get_by_role("cell", name="Rett til nødvendig helsehjelp innvilget")).to_be_visible()
    check_accessibility(page)

    # 3. While Ola waits, Vadsø plans the follow-up (behandlingsforberedende tiltak).
    page.goto(referral_url)
    page.get_by_role("link", name="Registrer oppfølging i ventetiden").click()
    check_accessibility(page)
    page.get_by_label("Kontakthyppighet").fill("Hjemmebesøk hver uke, telefon hver mandag.")
    page.get_by_label("Stabilisering").fill("Nedtrapping av benzodiazepiner avtalt med fastlegen.")
    page.get_by_label("Motivasjon").fill("Motiverende samtaler hver uke.")
    page.get_by_label("Praktisk hjelp").fill("Hjelp med husleie og strøm sammen med NAV.")
    page.get_by_label("Ansvarlig").fill("Kari Nilsen, ruskonsulent")
    page.get_by_role("button", name="Lagre oppfølging").click()
    page.wait_for_url(referral_url)
    flash(page, "Oppfølgingen er lagret.")
    followup = page.get_by_role("region", name="Oppfølging i ventetiden")
    expect(followup.get_by_text("Hjemmebesøk hver uke, telefon hver mandag.")).to_be_visible()
    check_accessibility(page)

    # UNN has Ola on its waiting list and sees what Vadsø does meanwhile.
    intake.get_by_role("link", name="Henvisninger").click()
    intake.get_by_role("link", name="Venteliste (1)").click()
    waiting = intake.get_by_role("row", name=re.compile("Nordmann, Ola"))
    expect(waiting.get_by_text(d(frist))).to_be_visible()
    check_accessibility(intake)
    waiting.get_by_role("link", name="Nordmann, Ola").click()
    followup = intake.get_by_role("region", name="Oppfølging i ventetiden")
    expect(followup.get_by_text("Hjemmebesøk hver uke, telefon hver mandag.")).to_be_visible()


def test_unn_rejects_and_forwards_to_the_dps_and_vadso_sees_each_step(page, new_page, cast):
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    register_ola(page, axe=False)
    record_consent(page, cast, axe=False)
    referral_url = refer_to_unn(page, cast, axe=False)
    sent_on = d(timezone.localdate())
    due = page.get_by_role("definition").filter(has_text="virkedager igjen").inner_text()

    intake = as_user(new_page, cast.ingrid)
    intake_opens_the_referral(intake, axe=False)
    intake.get_by_label("Avslag", exact=True).check()
    intake.get_by_label("Begrunnelse for avslag").fill(
        "Psykoseproblematikken står i forgrunnen; hører hjemme i psykisk helsevern (DPS)."
    )
    intake.get_by_label("Videresend til en annen enhet i spesialisthelsetjenesten").select_option(
        label=f"{cast.dps.name} – UNN HF"
    )
    check_accessibility(intake)
    intake.get_by_role("button", name="Lagre vedtak").click()
    flash(intake, f"Henvisningen er avslått og videresendt til {cast.dps.name}.")
    check_accessibility(intake)

    # Vadsø sees the rejection, the reason and where the referral went.
    page.goto(referral_url)
    expect(page.get_by_text("Avslått").first).to_be_visible()
    expect(page.get_by_text("Psykoseproblematikken står i forgrunnen").first).to_be_visible()
    page.get_by_role("link", name=cast.dps.name).first.click()
    page.wait_for_url(re.compile(r".*/henvisninger/\d+/$"))
    assert page.url != referral_url
    check_accessibility(page)
    status = page.get_by_role("region", name="Status og frister")
    expect(status.get_by_text(sent_on).first).to_be_visible()

    # The DPS gets it with the ansiennitetsdato and the assessment deadline kept.
    dps = as_user(new_page, cast.dina)
    dps.get_by_role("link", name="Henvisninger").click()
    expect(dps.get_by_role("link", name="Innkommende (1)")).to_be_visible()
    row = dps.get_by_role("row", name=re.compile("Nordmann, Ola"))
    expect(row.get_by_role("cell", name=sent_on)).to_be_visible()
    row.get_by_role("link", name="Nordmann, Ola").click()
    status = dps.get_by_role("region", name="Status og frister")
    expect(status.get_by_text(due.split(" ")[0])).to_be_visible()
    expect(dps.get_by_text("Psykoseproblematikken står i forgrunnen").first).to_be_visible()
    check_accessibility(dps)

    # When the DPS grants rett, Vadsø hears about it too.
    dps.get_by_role("link", name="Vurder", exact=True).click()
    dps.get_by_label("Rett til nødvendig helsehjelp", exact=True).check()
    dps.get_by_label("Frist for start av helsehjelp").fill(in_days(40).isoformat())
    dps.get_by_label("Type helsehjelp").select_option(label="Poliklinisk")
    dps.get_by_role("button", name="Lagre vedtak").click()
    flash(dps, "Rett til nødvendig helsehjelp er innvilget.")
    page.get_by_role("link", name=re.compile(r"^Varsler \(\d+\)$")).click()
    # Notification texts spell dates with leading zeros (02.01.2027), pages without (2.1.2027).
    expect(page.get_by_text(f"frist {in_days(40):%d.%m.%Y}").first).to_be_visible()


# --- 4. Treatment starts; UNN tells Vadsø; the koordinator starts the individual plan ---------


def admit_ola(unn, axe=True):
    """UNN's TSB døgn finds Ola in its patient list and registers the admission."""
    unn.get_by_role("link", name="Nordmann, Ola").click()
    if axe:
        check_accessibility(unn)
    unn.get_by_role("link", name="Behandling og utskrivning").click()
    if axe:
        check_accessibility(unn)
    unn.get_by_role("link", name="Registrer innleggelse / behandlingsstart").click()
    if axe:
        check_accessibility(unn)
    unn.get_by_label("Behandlingsform").select_option(label="Døgn")
    unn.get_by_label("Planlagt utskrivningsdato").fill(in_days(42).isoformat())
    expect(
        unn.get_by_label("Send melding om innlagt pasient til kommunen nå (døgn)")
    ).to_be_checked()
    unn.get_by_role("button", name="Registrer").click()
    unn.wait_for_url(re.compile(r".*/behandling/\d+/$"))
    flash(unn, "Behandlingen er registrert.")
    expect(unn.get_by_role("row", name=re.compile("Melding om innlagt pasient"))).to_be_visible()
    if axe:
        check_accessibility(unn)
    return unn.url


def start_plan(page, overview_url, axe=True):
    """Kari, as koordinator, starts the plan with Ola's own goals and the measures."""
    page.goto(overview_url)
    page.get_by_role("link", name="Koordinator og plan").click()
    if axe:
        check_accessibility(page)
    page.get_by_role("link", name="Opprett individuell plan").click()
    if axe:
        check_accessibility(page)
    page.get_by_label("Pasienten samtykket til individuell plan den").fill(
        timezone.localdate().isoformat()
    )
    page.get_by_label("Samtykket omfatter også deling av planen").check()
    page.get_by_label("Hva er viktig for deg?").fill(
        "Å bli rusfri, bo for meg selv og se datteren min hver uke."
    )
    page.get_by_role("button", name="Opprett planen").click()
    page.wait_for_url("**/plan/")
    flash(page, "Den individuelle planen er opprettet.")
    expect(page.get_by_text("Koordinator: Kari Nilsen").first).to_be_visible()

    for text, area in GOALS:
        page.get_by_role("link", name="Legg til mål").click()
        form = page.locator("form", has=page.get_by_label("Mål (med pasientens egne ord)"))
        form.get_by_label("Mål (med pasientens egne ord)").fill(text)
        form.get_by_role("combobox", name="Livsområde").select_option(label=area)
        form.get_by_role("combobox", name="Status").select_option(label="Aktiv")
        form.get_by_role("button", name="Lagre").click()
        page.locator("article", has_text=text).wait_for()

    for title, area, unit, person, goal in MEASURES:
        page.get_by_role("link", name="Legg til tiltak").click()
        form = page.locator("form", has=page.get_by_label("Tiltak (må fylles ut)"))
        form.get_by_label("Tiltak (må fylles ut)").fill(title)
        form.get_by_role("combobox", name="Livsområde").select_option(label=area)
        if unit:
            form.get_by_role("combobox", name="Ansvarlig tjeneste").select_option(label=unit)
            # People are listed as "Name (Unit)", grouped by their unit.
            form.get_by_role("combobox", name="Ansvarlig person (bruker)").select_option(
                label=f"{person} ({unit.rsplit(' (', 1)[0]})"
            )
        else:
            form.get_by_label("Ansvarlig person (annen)").fill(person)
        form.get_by_label(goal).check()
        form.get_by_role("combobox", name="Status").select_option(label="Under arbeid")
        form.get_by_role("button", name="Lagre").click()
        page.locator("article", has_text=title).wait_for()
    # Added inline, without reloading: the count follows and "none yet" goes.
    measures = page.get_by_role("heading", name=f"Tiltak, omfang og ansvar ({len(MEASURES)})")
    expect(measures).to_be_visible()
    expect(page.get_by_text("Ingen tiltak ennå.")).to_have_count(0)
    expect(page.get_by_text("Ingen mål ennå.")).to_have_count(0)
    if axe:
        check_accessibility(page)


GOALS = [
    ("Jeg vil bo i egen leilighet før sommeren.", "Bosituasjon"),
    ("Jeg vil se datteren min hver uke.", "Familie og pårørende"),
]
MEASURES = [
    (
        "Søknad om kommunal bolig",
        "Bosituasjon",
        "Rus- og psykisk helseenheten (Vadsø kommune)",
        "Kari Nilsen",
        GOALS[0][0],
    ),
    (
        "Avklare økonomi og husleie",
        "Økonomi",
        "NAV Vadsø (Vadsø kommune)",
        "Nina Veileder",
        GOALS[0][0],
    ),
    (
        "Døgnbehandling med familiesamtaler",
        "Rusmiddelbruk",
        "TSB døgn (UNN HF)",
        "Bjørn Berg",
        GOALS[1][0],
    ),
    ("Nedtrapping av benzodiazepiner", "Fysisk helse", None, "Lise Berg, fastlege", GOALS[1][0]),
]


def test_ola_is_admitted_gets_a_plan_and_his_ansvarsgruppe_meets(page, new_page, cast):
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    intake = as_user(new_page, cast.ingrid)
    overview_url = ola_waits_for_treatment(page, intake, cast)

    # 4. Treatment starts: the intake team records it on the referral, TSB døgn admits Ola.
    intake.get_by_role("link", name="Behandling startet").click()
    check_accessibility(intake)
    intake.get_by_role("button", name="Lagre").click()
    flash(intake, "Behandlingsstart er registrert.")
    unn = as_user(new_page, cast.bjorn)
    episode_url = admit_ola(unn)

    # Vadsø sees the notice of admission; opening it marks it read on UNN's side too.
    page.get_by_role("link", name=re.compile(r"^Varsler \(\d+\)$")).click()
    page.get_by_role("link", name=f"Melding om innlagt pasient: {cast.dogn.name}").click()
    page.wait_for_url(episode_url)
    check_accessibility(page)
    unn.reload()
    notice = unn.get_by_role("row", name=re.compile("Melding om innlagt pasient"))
    expect(notice).not_to_contain_text("Ikke lest")

    start_plan(page, overview_url)
    page.goto(overview_url)
    plan_card = page.get_by_role("region", name="Individuell plan")
    expect(plan_card.get_by_text(f"{len(MEASURES)} åpne av {len(MEASURES)}")).to_be_visible()

    # NAV sees its measure in "Mine oppgaver".
    nav = as_user(new_page, cast.nina)
    nav.get_by_role("link", name="Mine oppgaver").click()
    expect(nav.get_by_role("row", name=re.compile("Avklare økonomi og husleie"))).to_be_visible()
    check_accessibility(nav)

    # 5. The ansvarsgruppe: Kari leads it, Ola says who he wants there; NAV and UNN join.
    page.goto(overview_url)
    page.get_by_role("link", name="Ansvarsgruppe og møter").click()
    check_accessibility(page)
    page.get_by_label("Pasientens ønsker om hvem som deltar").fill(
        "Vil ha med NAV-veilederen og behandleren på UNN; ikke faren."
    )
    page.get_by_role("button", name="Opprett ansvarsgruppe").click()
    for person in ("Nina Veileder – NAV Vadsø", "Bjørn Berg – TSB døgn"):
        page.get_by_role("link", name="Legg til medlem fra behandlingsteamet").click()
        page.get_by_label("Person").select_option(label=person)
        page.get_by_role("button", name="Legg til").click()
        flash(page, "Medlemmet er lagt til.")
    check_accessibility(page)

    # The meeting, partly digital: the distances are long.
    page.get_by_role("link", name="Kall inn til møte").click()
    check_accessibility(page)
    day = in_days(5)
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label(re.compile("^Tid")).fill("10:00")
    page.get_by_label("Sted").fill("Vadsø rådhus, møterom 2")
    page.get_by_label("Lenke til digitalt møte").fill("https://meet.example.no/ola")
    page.get_by_label("Saksliste").fill("Bolig\nØkonomi\nVeien videre etter døgnoppholdet")
    page.get_by_role("button", name="Lagre og send innkalling").click()
    page.wait_for_url(re.compile(r".*/moter/\d+/$"))
    flash(page, "Møtet er planlagt, og innkallingene er sendt.")
    check_accessibility(page)

    # Minutes: attendance, notes and decisions, two action items, published.
    # Before the meeting the page offers no minutes; the day comes.
    expect(page.get_by_role("link", name="Skriv referat")).to_have_count(0)
    meeting_time_comes(page)
    page.get_by_role("link", name="Skriv referat").click()
    check_accessibility(page)
    for select in page.get_by_role("group", name="Oppmøte").locator("select").all():
        select.select_option(label="Til stede")
    page.get_by_label("Notater").first.fill("Leilighet i Strandgata kan bli ledig i februar.")
    page.get_by_label("Avtalt").first.fill("Ola søker kommunal bolig; NAV ser på husleien.")
    page.get_by_role("button", name="Lagre referat").click()
    flash(page, "Referatet er lagret.")
    for what, who in (
        ("Søke om bostøtte sammen med Ola", "Nina Veileder (NAV Vadsø)"),
        ("Sende epikrise til fastlegen", "Bjørn Berg (TSB døgn)"),
    ):
        page.get_by_label("Hva skal gjøres").fill(what)
        page.get_by_label("Ansvarlig").select_option(label=who)
        page.get_by_label("Frist").fill(in_days(19).isoformat())
        page.get_by_role("button", name="Legg til oppfølgingspunkt").click()
        flash(page, "Oppfølgingspunktet er lagt til.")
    page.get_by_role("link", name="Publiser referat").first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Publiser og send").click()
    flash(page, "Referatet er publisert og sendt til deltakerne.")
    minutes = open_pdf(page, page.get_by_role("link", name="Referat (PDF)"))
    assert "Søke om bostøtte sammen med Ola" in minutes and "Nina Veileder" in minutes

    # Each responsible person finds their own action item in "Mine oppgaver".
    nav.reload()
    item = nav.get_by_role("row", name=re.compile("Søke om bostøtte sammen med Ola"))
    expect(item).to_contain_text(d(in_days(19)))
    expect(nav.get_by_text("Sende epikrise til fastlegen")).to_have_count(0)
    unn.get_by_role("link", name="Mine oppgaver").click()
    expect(unn.get_by_role("row", name=re.compile("Sende epikrise til fastlegen"))).to_be_visible()
    check_accessibility(unn)
    item.get_by_role("button", name=re.compile("Marker som utført")).click()
    flash(nav, "«Søke om bostøtte sammen med Ola» er markert som utført.")
    page.goto(overview_url)
    group = page.get_by_role("region", name="Ansvarsgruppe")
    expect(group.get_by_text("1 åpent oppfølgingspunkt")).to_be_visible()


# --- 6. Ettervern: both sides write the plan before discharge; 7. the plan is revised ---------


def test_ola_leaves_with_an_ettervern_plan_and_his_plan_is_revised(page, new_page, cast):
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")
    intake = as_user(new_page, cast.ingrid)
    overview_url = ola_waits_for_treatment(page, intake, cast)
    unn = as_user(new_page, cast.bjorn)
    episode_url = admit_ola(unn, axe=False)
    start_plan(page, overview_url, axe=False)
    first_appointment = in_days(43)

    # 6. UNN starts the ettervern plan during the stay and writes its part.
    unn.goto(episode_url)
    unn.get_by_role("link", name="Gå til ettervernsplanen").click()
    check_accessibility(unn)
    unn.get_by_role("button", name="Start ettervernsplanen").click()
    expect(unn.get_by_text("0 av 10 punkter på plass")).to_be_visible()
    check_accessibility(unn)
    unn.get_by_role("link", name="Rediger spesialisthelsetjenestens del").click()
    check_accessibility(unn)
    unn.get_by_label("Oppsummering for videre oppfølging").fill(
        "Rusfri i seks uker. Motivert for bolig og arbeidstrening."
    )
    unn.get_by_label("Legemidler").fill("Ingen vanedannende legemidler ved utskrivning.")
    unn.get_by_label("Risiko (selvmord, overdose)").fill("Økt overdoserisiko etter avrusning.")
    unn.get_by_label("Risiko formidlet til kommunen og fastlegen").check()
    unn.get_by_label("Vei tilbake", exact=True).select_option("none")
    unn.get_by_role("button", name="Lagre").click()
    flash(unn, "Planen er lagret.")
    expect(unn.get_by_text("4 av 10 punkter på plass")).to_be_visible()

    # Vadsø writes the municipal part, books the first appointment and writes the crisis plan.
    page.goto(overview_url)
    discharge = page.get_by_role("region", name="Innleggelse og utskrivning")
    expect(discharge.get_by_text("4 av 10 punkter på plass")).to_be_visible()
    discharge.get_by_role("link", name=f"Døgn, {cast.dogn.name}").click()
    page.get_by_role("link", name="Åpne ettervernsplanen").click()
    check_accessibility(page)
    page.get_by_role("link", name="Rediger kommunens del").click()
    check_accessibility(page)
    page.get_by_label("Bolig på utskrivningsdagen").fill("Kommunal leilighet i Strandgata.")
    page.get_by_label("Økonomi").fill("Bostøtte søkt; sosialhjelp til første lønn.")
    page.get_by_label("Aktivitet, arbeid eller skole").fill("Arbeidstrening fra uke 2.")
    page.get_by_label("Første avtale i kommunen").fill(f"{first_appointment.isoformat()}T10:00")
    page.get_by_label("Første avtale med (navn, telefon)").fill("Kari Nilsen, 78 94 23 00")
    page.get_by_label("Time hos fastlege").fill(f"{first_appointment.isoformat()}T13:00")
    page.get_by_role("button", name="Lagre").click()
    flash(page, "Planen er lagret.")
    # The patient's one crisis plan (the same form as in the individuell plan).
    page.get_by_role("link", name="Endre kriseplan").click()
    check_accessibility(page)
    page.get_by_label("Tidlige varselsignaler").fill("Slutter å svare på telefon; avlyser avtaler.")
    page.get_by_role("button", name="Lagre").click()
    page.get_by_role("link", name="Legg til kontakt").click()
    page.get_by_label("Navn (kontakt som ikke er i registeret)").fill("Kari Nilsen")
    page.get_by_label("Telefon (kontakt som ikke er i registeret)").fill("78 94 23 00")
    page.get_by_role("button", name="Legg til kontakt").click()
    expect(page.get_by_text("10 av 10 punkter på plass")).to_be_visible()
    check_accessibility(page)

    # The plan Ola takes home, printed and checked, then signed by both sides.
    text = open_pdf(page, page.get_by_role("link", name="Skriv ut planen (PDF)"))
    assert "Din plan etter utskrivning" in text
    assert "Kommunal leilighet i Strandgata." in text
    assert "Kari Nilsen, 78 94 23 00" in text and "10:00" in text
    assert "Slutter å svare på telefon" in text
    assert "ikke signert" in text
    page.get_by_role("button", name="Signer for kommunen").click()
    flash(page, "Du har signert ettervernsplanen.")
    unn.reload()
    unn.get_by_role("button", name="Signer for spesialisthelsetjenesten").click()
    flash(unn, "Du har signert ettervernsplanen.")
    page.goto(overview_url)
    discharge = page.get_by_role("region", name="Innleggelse og utskrivning")
    expect(discharge.get_by_text("signert av begge")).to_be_visible()
    text = open_pdf(page, discharge.get_by_role("link", name="Skriv ut ettervernsplanen"))
    assert f"signert av spesialisthelsetjenesten {d(timezone.localdate())}" in text

    # 7. The plan is revised at an evaluation: a measure is done, a new goal comes in.
    page.get_by_role("link", name="Åpne planen").click()
    before = page.locator("#plan-version").inner_text()
    page.get_by_role("link", name="Evaluer planen").click()
    check_accessibility(page)
    page.get_by_label("Dato").fill(timezone.localdate().isoformat())
    page.get_by_label("Hvem som deltok").fill("Ola, Kari Nilsen, Nina Veileder, Bjørn Berg")
    page.get_by_label("Hva som har fungert").fill("Ola har fått bolig og er fortsatt rusfri.")
    page.get_by_label("Hva vi endrer").fill("Boligsøknaden er ferdig; nytt mål om arbeidstrening.")
    page.get_by_label("Neste revisjon").fill(in_days(120).isoformat())
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_url("**/plan/**")
    evaluations = page.get_by_role("region", name="Evalueringer")
    expect(evaluations.get_by_text("Ola har fått bolig og er fortsatt rusfri.")).to_be_visible()
    page.get_by_role(
        "button", name=re.compile("Marker som fullført.*Søknad om kommunal bolig")
    ).click()
    flash(page, "Tiltaket er markert som fullført.")
    page.get_by_role("link", name="Legg til mål").click()
    form = page.locator("form", has=page.get_by_label("Mål (med pasientens egne ord)"))
    form.get_by_label("Mål (med pasientens egne ord)").fill("Jeg vil begynne på arbeidstrening.")
    form.get_by_role("combobox", name="Livsområde").select_option(
        label="Meningsfull aktivitet og arbeid"
    )
    form.get_by_role("combobox", name="Status").select_option(label="Aktiv")
    form.get_by_role("button", name="Lagre").click()
    page.locator("article", has_text="Jeg vil begynne på arbeidstrening.").wait_for()
    check_accessibility(page)

    # The history shows what changed since before the evaluation.
    page.get_by_role("link", name="Historikk").click()
    page.get_by_label("Fra versjon", exact=True).select_option(before)
    page.get_by_role("button", name="Sammenlign").click()
    changes = page.get_by_role("region", name=re.compile("^Endringer fra versjon"))
    expect(changes.get_by_text("Jeg vil begynne på arbeidstrening.").first).to_be_visible()
    expect(changes.get_by_text("Søknad om kommunal bolig").first).to_be_visible()
    expect(changes.get_by_text("Fullført").first).to_be_visible()
    expect(changes.get_by_text("nytt mål om arbeidstrening").first).to_be_visible()
    revision = changes.get_by_role("row", name=re.compile("^Neste revisjon"))
    expect(revision.get_by_role("insertion")).to_have_text(d(in_days(120)))
    check_accessibility(page)

    # Ola asks who has looked at his record: the access log, printed for him.
    page.get_by_role("link", name="Tilgangslogg").click()
    check_accessibility(page)
    log = page.get_by_role("table")
    for who in ("Kari Nilsen", "Bjørn Berg"):  # the newest; the intake team's are further back
        expect(log.get_by_role("cell", name=who).first).to_be_visible()
    text = open_pdf(page, page.get_by_role("link", name="Skriv ut som PDF"))
    assert "Ola Nordmann" in text
    for who in ("Kari Nilsen", "Ingrid Inntak", "Bjørn Berg"):
        assert who in text


# --- The first stretch with the keyboard alone -----------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  const style = getComputedStyle(el);
  return {
    name: (label || el.getAttribute("aria-label") || el.innerText || "").trim(),
    ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_to(page, name, back=False, limit=80):
    """Tab (or Shift+Tab) until the element named `name` has focus, which must be visible."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = page.evaluate(FOCUSED)
        if focused["name"] == name or focused["name"].startswith(f"{name} (må fylles ut)"):
            assert focused["ring"], f"{name!r} has focus but shows no focus ring"
            return
    raise AssertionError(f"{name!r} cannot be reached with the keyboard")


def test_registering_ola_and_his_consent_works_with_the_keyboard_alone(page, cast):
    log_in(page, cast.kari.username)
    page.wait_for_url(LANDED)
    page.goto("/pasienter/")

    tab_to(page, "Registrer pasient")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pasienter/ny/")
    tab_to(page, "Fødselsnummer eller D-nummer")
    page.keyboard.type(synthetic_id(OLA_BIRTH, serial=7))
    tab_to(page, "Fornavn")
    page.keyboard.type("Ola")
    tab_to(page, "Etternavn")
    page.keyboard.type("Nordmann")
    tab_to(page, "Registrer")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pasienter/\d+/$"))
    flash(page, "Pasienten er registrert.")
    expect(page.get_by_text("14. mars 1984")).to_be_visible()

    tab_to(page, "Registrer samtykke")
    page.keyboard.press("Enter")
    page.wait_for_url("**/samtykke/ny/")
    # The date is filled in with today; the order of a date field's parts is the browser's own.
    tab_to(page, "Samtykke gitt")
    expect(page.get_by_label("Samtykke gitt")).to_have_value(timezone.localdate().isoformat())
    # Back up to the unit that was forgotten, and tick it with the space bar.
    tab_to(page, f"{cast.dogn.name} (UNN HF)", back=True)
    page.keyboard.press("Space")
    expect(page.get_by_label(f"{cast.dogn.name} (UNN HF)")).to_be_checked()
    tab_to(page, "Registrer samtykke")
    page.keyboard.press("Enter")
    flash(page, "Samtykket er registrert.")
    team = page.get_by_role("region", name="Behandlingsteam")
    expect(team.get_by_role("listitem").filter(has_text="TSB døgn (UNN HF)")).to_be_visible()
