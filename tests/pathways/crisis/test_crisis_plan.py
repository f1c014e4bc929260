"""The patient's one crisis plan: written from the ettervern plan or the individuell plan, shown
by both pages and both PDFs, stale-write safe, audited, and what the ettervern checklist reads."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.access import sync_unit_access
from pathways.crisis import services as crisis_svc
from pathways.episodes import services as episode_svc
from pathways.episodes.section import section as episode_section
from pathways.models import CareTeamMember, CrisisContact, CrisisPlan, PlanRevision
from pathways.stale import StaleWrite
from tests.factories import make_patient
from tests.pathways.episodes.test_services import admit
from tests.pathways.plan.setup import start_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, send=True)


@pytest.fixture
def ettervern(episode, tsb_clinician, unn_tsb):
    return episode_svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))


def crisis_url(patient, name="crisis_plan", *args):
    return reverse(f"pathways:{name}", args=[patient.pk, *args])


def ettervern_url(plan):
    return reverse("pathways:ettervern_plan", args=[plan.patient_id, plan.episode_id])


def plan_url(patient):
    return reverse("pathways:plan", args=[patient.pk])


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def texts(**values) -> dict:
    return {name: values.get(name, "") for name in CrisisPlan.TEXT_FIELDS} | {
        "version": values.get("version", 1)
    }


# --- one plan, both pages, both PDFs --------------------------------------------------------


def test_one_crisis_plan_is_written_from_either_side_and_shown_everywhere(
    login, shared_patient, coordinator, vadso_rus, tsb_clinician, ettervern
):
    start_plan(shared_patient, coordinator, vadso_rus)
    back = ettervern_url(ettervern) + "#crisis"
    next_back = f"?next={quote(back)}"  # as the page's link carries it

    # UNN writes it from the ettervern plan and comes back there.
    unn = login(tsb_clinician)
    ettervern_page = unn.get(ettervern_url(ettervern)).content.decode()
    assert crisis_url(shared_patient) + next_back in ettervern_page
    saved = unn.post(
        crisis_url(shared_patient) + next_back,
        texts(warning_signs="Slutter å svare på telefonen.", emergency="Legevakt: 116 117"),
    )
    assert saved.status_code == 302 and saved["Location"] == back
    added = unn.post(
        crisis_url(shared_patient, "crisis_plan_contact_new") + next_back,
        {"name": "Lise Nordmann", "role": "Søster", "phone": "91234567", "when": "Hele døgnet"},
    )
    assert added.status_code == 302 and added["Location"] == back

    # The koordinator sees it in the individuell plan, and adds what helps from there.
    kari = login(coordinator)
    page = kari.get(plan_url(shared_patient)).content.decode()
    assert "Slutter å svare på telefonen." in page and "Lise Nordmann" in page
    crisis = CrisisPlan.objects.get(patient=shared_patient)
    kari.post(
        crisis_url(shared_patient),
        texts(
            warning_signs=crisis.warning_signs,
            what_helps="Å gå tur med hunden.",
            emergency=crisis.emergency,
            version=crisis.version,
        ),
    )
    assert CrisisPlan.objects.filter(patient=shared_patient).count() == 1

    # UNN's ettervern page shows the koordinator's change: one plan, not two.
    ettervern_page = login(tsb_clinician).get(ettervern_url(ettervern)).content.decode()
    assert "Å gå tur med hunden." in ettervern_page
    assert "Slutter å svare på telefonen." in ettervern_page and "91234567" in ettervern_page

    # Both PDFs print it (the individuell plan's and the ettervern handout).
    plan_pdf = pdf_text(kari.get(reverse("pathways:plan_pdf", args=[shared_patient.pk])))
    handout = pdf_text(
        kari.get(
            reverse("pathways:ettervern_pdf", args=[shared_patient.pk])
            + f"?behandling={ettervern.episode_id}"
        )
    )
    for text in (plan_pdf, handout):
        assert "Slutter å svare på telefonen." in text
        assert "Å gå tur med hunden." in text
        assert "Lise Nordmann" in text and "91234567" in text
        assert "116 117" in text


def test_each_change_is_audited_and_in_the_individual_plans_history(
    shared_patient, coordinator, vadso_rus, tsb_clinician, unn_tsb
):
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    unn = Actor(tsb_clinician, unn_tsb)
    crisis_svc.crisis_plan_save(
        patient=shared_patient, actor=unn, data={"warning_signs": "Sover dårlig."}, version=1
    )
    contact = crisis_svc.crisis_contact_add(
        patient=shared_patient, actor=unn, data={"name": "Lise", "phone": "91234567"}
    )
    crisis_svc.crisis_contact_remove(patient=shared_patient, actor=unn, contact=contact)
    audited = AuditEvent.objects.filter(patient_id=shared_patient.pk, user=tsb_clinician)
    assert audited.filter(action=AuditEvent.Action.UPDATE).count() == 1
    assert audited.filter(action=AuditEvent.Action.CREATE).count() == 1
    assert audited.filter(action=AuditEvent.Action.DELETE).count() == 1
    revisions = list(PlanRevision.objects.filter(plan=plan).order_by("version"))
    assert [r.keys for r in revisions[-3:]] == [
        ["crisis"],
        [f"contact:{contact.pk}"],
        [f"contact:{contact.pk}"],
    ]
    # The revision's snapshot holds the crisis plan as it was (the history and old PDFs).
    assert revisions[-3].snapshot["crisis"]["warning_signs"] == "Sover dårlig."
    assert revisions[-2].snapshot["crisis"]["contacts"][0]["name"] == "Lise"
    assert revisions[-1].snapshot["crisis"]["contacts"] == []


def test_a_stale_save_is_refused_and_writes_nothing(
    shared_patient, coordinator, vadso_rus, tsb_clinician, unn_tsb
):
    crisis_svc.crisis_plan_save(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        data={"warning_signs": "Først."},
        version=1,
    )
    with pytest.raises(StaleWrite) as raised:
        crisis_svc.crisis_plan_save(
            patient=shared_patient,
            actor=Actor(tsb_clinician, unn_tsb),
            data={"warning_signs": "Over den andres."},
            version=1,
        )
    assert raised.value.current_version == 2
    crisis = CrisisPlan.objects.get(patient=shared_patient)
    assert (crisis.warning_signs, crisis.version) == ("Først.", 2)


# --- the ettervern checklist reads the real state ------------------------------------------


def crisis_item(plan):
    return next(i for i in episode_svc.plan_checklist(plan) if i.key == "crisis")


def test_the_checklist_counts_warning_signs_and_someone_to_call(
    shared_patient, coordinator, vadso_rus, ettervern, rf
):
    actor = Actor(coordinator, vadso_rus)
    assert not crisis_item(ettervern).done  # no crisis plan at all

    crisis_svc.crisis_plan_save(
        patient=shared_patient, actor=actor, data={"warning_signs": "Isolerer seg."}, version=1
    )
    # The preset emergency numbers say nothing about this patient.
    assert CrisisPlan.objects.get(patient=shared_patient).emergency.startswith("Legevakt")
    assert not crisis_item(ettervern).done

    contact = crisis_svc.crisis_contact_add(
        patient=shared_patient, actor=actor, data={"name": "Kari", "phone": "78942300"}
    )
    assert crisis_item(ettervern).done
    # The overview reads the same state.
    done, total = episode_section(rf.get("/"), shared_patient)["discharge_episodes"][
        0
    ].plan_progress
    assert (done, total) == (1, len(episode_svc.plan_checklist(ettervern)))

    crisis_svc.crisis_contact_remove(patient=shared_patient, actor=actor, contact=contact)
    assert not crisis_item(ettervern).done
    crisis_svc.crisis_plan_save(
        patient=shared_patient,
        actor=actor,
        data={"emergency": "Vakttelefon rus: 78 00 00 00"},
        version=2,
    )
    assert crisis_item(ettervern).done


def test_the_ettervern_page_shows_the_checklist_state(
    login, shared_patient, coordinator, vadso_rus, ettervern
):
    client = login(coordinator)
    page = client.get(ettervern_url(ettervern)).content.decode()
    assert "Mangler: Kriseplan" in page
    actor = Actor(coordinator, vadso_rus)
    crisis_svc.crisis_plan_save(
        patient=shared_patient, actor=actor, data={"warning_signs": "Isolerer seg."}, version=1
    )
    crisis_svc.crisis_contact_add(
        patient=shared_patient, actor=actor, data={"name": "Kari", "phone": "78942300"}
    )
    page = client.get(ettervern_url(ettervern)).content.decode()
    assert "Mangler: Kriseplan" not in page and "På plass: Kriseplan" in page


# --- who may change it ----------------------------------------------------------------------


def _save(client, patient):
    crisis = CrisisPlan.objects.filter(patient=patient).first()
    return client.post(
        crisis_url(patient),
        texts(warning_signs="Ny tekst.", version=crisis.version if crisis else 1),
    )


def test_the_koordinators_unit_and_the_tsb_unit_on_the_care_team_change_it(
    login, shared_patient, coordinator, colleague, tsb_clinician, vadso_rus
):
    start_plan(shared_patient, coordinator, vadso_rus)
    for user in (coordinator, colleague, tsb_clinician):
        client = login(user)
        assert client.get(crisis_url(shared_patient)).status_code == 200
        assert _save(client, shared_patient).status_code == 302, user
        assert (
            client.post(
                crisis_url(shared_patient, "crisis_plan_contact_new"),
                {"name": user.username, "phone": "12345678"},
            ).status_code
            == 302
        )
        # Their pages show the edit links.
        assert crisis_url(shared_patient) in client.get(plan_url(shared_patient)).content.decode()
    assert CrisisContact.objects.filter(crisis__patient=shared_patient).count() == 3


def test_a_unit_only_kept_informed_reads_but_may_not_change_it(
    login, shared_patient, tsb_clinician, unn_tsb, coordinator, vadso_rus, ettervern
):
    crisis_svc.crisis_contact_add(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        data={"name": "Kari", "phone": "78942300"},
    )
    contact = CrisisContact.objects.get()
    CareTeamMember.objects.filter(patient=shared_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(shared_patient, unn_tsb)
    client = login(tsb_clinician)
    page = client.get(ettervern_url(ettervern)).content.decode()
    assert "78942300" in page and crisis_url(shared_patient) not in page
    assert client.get(crisis_url(shared_patient)).status_code == 403
    assert _save(client, shared_patient).status_code == 403
    remove = crisis_url(shared_patient, "crisis_plan_contact_remove", contact.pk)
    assert client.post(remove).status_code == 403
    assert CrisisContact.objects.filter(pk=contact.pk).exists()


def test_emergency_access_reads_but_may_not_change_it(
    login, patient, break_glass_user, coordinator, vadso_rus
):
    crisis_svc.crisis_plan_save(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        data={"warning_signs": "Sover dårlig."},
        version=1,
    )
    client = login(break_glass_user)
    assert client.get(crisis_url(patient)).status_code == 403
    assert _save(client, patient).status_code == 403
    assert CrisisPlan.objects.get(patient=patient).warning_signs == "Sover dårlig."


def test_outsiders_get_404_and_nothing_changes(
    login, client, shared_patient, other_kommune_user, other_hf_user, coordinator, vadso_rus
):
    contact = crisis_svc.crisis_contact_add(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        data={"name": "Kari", "phone": "78942300"},
    )
    remove = crisis_url(shared_patient, "crisis_plan_contact_remove", contact.pk)
    anonymous = client.get(crisis_url(shared_patient))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"].lower()
    for user in (other_kommune_user, other_hf_user):
        outsider = login(user)
        assert outsider.get(crisis_url(shared_patient)).status_code == 404
        assert _save(outsider, shared_patient).status_code == 404
        assert outsider.post(remove).status_code == 404
    crisis = CrisisPlan.objects.get(patient=shared_patient)
    assert (crisis.warning_signs, crisis.contacts.count()) == ("", 1)


def test_a_contact_of_another_patient_is_not_found(login, shared_patient, coordinator, vadso_rus):
    other = make_patient(vadso_rus, by=coordinator)
    contact = crisis_svc.crisis_contact_add(
        patient=other, actor=Actor(coordinator, vadso_rus), data={"name": "X", "phone": "1"}
    )
    client = login(coordinator)
    assert (
        client.post(
            crisis_url(shared_patient, "crisis_plan_contact_remove", contact.pk)
        ).status_code
        == 404
    )
    assert CrisisContact.objects.filter(pk=contact.pk).exists()


def test_a_next_link_off_the_site_is_not_followed(login, shared_patient, coordinator):
    response = login(coordinator).post(
        crisis_url(shared_patient) + "?next=https://evil.example/", texts(warning_signs="x")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pathways:patient_overview", args=[shared_patient.pk])


def test_a_closed_individual_plan_shows_the_crisis_plan_it_was_closed_with(
    login, shared_patient, coordinator, vadso_rus
):
    from tests.pathways.plan.test_closed import close

    actor = Actor(coordinator, vadso_rus)
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    crisis_svc.crisis_plan_save(
        patient=shared_patient, actor=actor, data={"warning_signs": "Da: sover dårlig."}, version=1
    )
    close(plan, coordinator, vadso_rus)
    crisis_svc.crisis_plan_save(
        patient=shared_patient, actor=actor, data={"warning_signs": "Nå: isolerer seg."}, version=2
    )
    client = login(coordinator)
    earlier = client.get(reverse("pathways:plan_earlier", args=[shared_patient.pk, plan.pk]))
    text = earlier.content.decode()
    assert "Da: sover dårlig." in text and "Nå: isolerer seg." not in text
    assert crisis_url(shared_patient) not in text  # read-only


def test_both_pages_cost_the_same_for_1_and_10_contacts(
    client, shared_patient, coordinator, vadso_rus, ettervern
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start_plan(shared_patient, coordinator, vadso_rus)
    actor = Actor(coordinator, vadso_rus)
    client.force_login(coordinator)
    pages = (ettervern_url(ettervern), plan_url(shared_patient))

    def counts():
        result = []
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page).status_code == 200
            result.append(len(queries))
        return result

    crisis_svc.crisis_contact_add(
        patient=shared_patient, actor=actor, data={"name": "K0", "phone": "1"}
    )
    one = counts()
    for n in range(1, 10):
        # Every other one a person from the register (name and phone read from there).
        new_person = {"name": f"P{n}", "relation": "Venn", "phone": "2"} if n % 2 else None
        data = {"when": "Kvelder"} if new_person else {"name": f"K{n}", "phone": "1"}
        crisis_svc.crisis_contact_add(
            patient=shared_patient, actor=actor, data=data, new_person=new_person
        )
    assert CrisisContact.objects.filter(next_of_kin__isnull=False).count() == 5
    # The contacts and their people are one prefetch; one query per contact (or per person)
    # would be more here.
    assert counts() == one
