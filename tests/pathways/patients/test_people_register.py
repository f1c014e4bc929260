"""The register of people around the patient: one entry per person, chosen as plan participant,
ansvarsgruppe member and crisis contact, and read from there wherever the person is shown."""

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.crisis import services as crisis_plans
from pathways.meetings import services as meetings
from pathways.models import CrisisContact, GroupMember, NextOfKin, Participant
from pathways.patients.services.patients import next_of_kin_delete, next_of_kin_save
from pathways.plan import services as plans
from pathways.wiring import crisis_block
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at
from tests.pathways.plan.setup import start_plan

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(page.extract_text() for page in reader.pages)


def _person_data(**changes) -> dict:
    data = {
        "name": "Berit Nordmann",
        "relation": "Søster",
        "phone": "91234567",
        "email": "berit@example.no",
        "address": "Strandgata 1, 9800 Vadsø",
        "may_receive_information": "on",
        "note": "Best å nå etter kl. 16.",
    }
    return {**data, **changes}


def test_a_person_is_added_with_contact_details_and_the_addition_is_audited(
    login, coordinator, patient
):
    client = login(coordinator)
    response = client.post(reverse("pathways:next_of_kin_new", args=[patient.pk]), _person_data())
    assert response.status_code == 302
    person = NextOfKin.objects.get(patient=patient)
    assert (person.email, person.address, person.may_receive_information) == (
        "berit@example.no",
        "Strandgata 1, 9800 Vadsø",
        True,
    )
    assert AuditEvent.objects.filter(
        patient_id=patient.pk, action=AuditEvent.Action.CREATE, object_id=str(person.pk)
    ).exists()
    page = client.get(reverse("pathways:next_of_kin_list", args=[patient.pk])).content.decode()
    assert "berit@example.no" in page and "Strandgata 1, 9800 Vadsø" in page
    assert "Best å nå etter kl. 16." in page


def test_a_bad_email_is_explained_beside_the_field_and_the_input_kept(login, coordinator, patient):
    response = login(coordinator).post(
        reverse("pathways:next_of_kin_new", args=[patient.pk]), _person_data(email="nei")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "gyldig e-postadresse" in html
    assert 'value="Berit Nordmann"' in html
    assert not NextOfKin.objects.exists()


# --- who may read and change the register -----------------------------------------------------


def _try(client, patient):
    listed = client.get(reverse("pathways:next_of_kin_list", args=[patient.pk])).status_code
    added = client.post(
        reverse("pathways:next_of_kin_new", args=[patient.pk]), _person_data()
    ).status_code
    return listed, added


def test_the_koordinators_unit_reads_and_changes_the_register(login, coordinator, shared_patient):
    assert _try(login(coordinator), shared_patient) == (200, 302)


def test_another_treating_unit_on_the_care_team_reads_and_changes_it(
    login, tsb_clinician, shared_patient
):
    assert _try(login(tsb_clinician), shared_patient) == (200, 302)
    assert NextOfKin.objects.filter(patient=shared_patient).count() == 1


def test_a_unit_kept_informed_reads_but_may_not_change_it(login, informed_user, shared_patient):
    assert _try(login(informed_user), shared_patient) == (200, 403)
    assert not NextOfKin.objects.exists()


def test_emergency_access_reads_but_may_not_change_it(login, break_glass_user, patient):
    assert _try(login(break_glass_user), patient) == (200, 403)
    assert not NextOfKin.objects.exists()


def test_an_outsider_gets_404_and_learns_nothing(login, other_hf_user, shared_patient):
    assert _try(login(other_hf_user), shared_patient) == (404, 404)
    assert not NextOfKin.objects.exists()


# --- one person in three roles -----------------------------------------------------------------


@pytest.fixture
def sister_in_three_roles(login, coordinator, vadso_rus, shared_patient, group):
    """Berit is added as plan participant (new in the register in the same step), then chosen
    as crisis contact and ansvarsgruppe member, all through the forms."""
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    client = login(coordinator)
    response = client.post(
        reverse("pathways:plan_participant_new", args=[shared_patient.pk]),
        {
            "version": plan.version,
            "kind": "next_of_kin",
            "person": "new",
            "person_name": "Berit Nordmann",
            "person_relation": "Søster",
            "person_phone": "91234567",
            "person_email": "berit@example.no",
            "contribution": "Kjører Ola til avtaler.",
        },
    )
    assert response.status_code == 302
    berit = NextOfKin.objects.get(patient=shared_patient)
    response = client.post(
        reverse("pathways:crisis_plan_contact_new", args=[shared_patient.pk]),
        {"person": berit.pk, "when": "Når som helst"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("pathways:member_add_external", args=[shared_patient.pk]),
        {
            "person": berit.pk,
            "basis": "consent",
            "basis_note": "Muntlig samtykke",
            "patient_view": "asked_for",
        },
    )
    assert response.status_code == 302
    # Taking part on the patient's consent is recorded in the register (a new version).
    berit.refresh_from_db()
    assert berit.may_receive_information
    return berit


def test_the_sister_is_entered_once_and_holds_three_roles(sister_in_three_roles, shared_patient):
    berit = sister_in_three_roles
    assert NextOfKin.objects.filter(patient=shared_patient).count() == 1
    assert Participant.objects.get(next_of_kin=berit).name == ""
    assert CrisisContact.objects.get(next_of_kin=berit).phone == ""
    member = GroupMember.objects.get(next_of_kin=berit)
    assert (member.role, member.name, member.email) == ("next_of_kin", "", "")


def test_a_new_phone_number_shows_in_every_role_and_in_the_plan_pdf(
    login,
    coordinator,
    vadso_rus,
    shared_patient,
    sister_in_three_roles,
    django_capture_on_commit_callbacks,
):
    berit = sister_in_three_roles
    client = login(coordinator)
    response = client.post(
        reverse("pathways:next_of_kin_edit", args=[shared_patient.pk, berit.pk]),
        {
            **_person_data(phone="48000111", email="berit.ny@example.no"),
            "version": berit.version,
        },
    )
    assert response.status_code == 302
    p = shared_patient.pk
    pages = {
        "overview": client.get(reverse("pathways:patient_overview", args=[p])),
        "plan and crisis plan": client.get(reverse("pathways:plan", args=[p])),
        "ansvarsgruppe": client.get(reverse("pathways:meetings", args=[p])),
        "register": client.get(reverse("pathways:next_of_kin_list", args=[p])),
    }
    for where, response in pages.items():
        html = response.content.decode()
        assert "48000111" in html, where
        assert "91234567" not in html, where
    plan_html = pages["plan and crisis plan"].content.decode()
    assert plan_html.count("48000111") >= 2  # participant and crisis contact
    assert "berit.ny@example.no" in pages["ansvarsgruppe"].content.decode()

    text = pdf_text(client.get(reverse("pathways:plan_pdf", args=[p])))
    assert "Berit Nordmann" in text
    assert text.count("48000111") >= 2  # participants table and crisis contacts
    assert "91234567" not in text
    # The ettervern plan shows the same crisis plan (tests/pathways/crisis/test_register_contacts.py
    # reads its page and handout); its context reads the new number from the register.
    block = crisis_block(Actor(coordinator, vadso_rus), shared_patient, "/")
    assert [c.contact_phone for c in block["crisis_contacts"]] == ["48000111"]

    # Invitations go to the address in the register, with no health information.
    group = shared_patient.responsibility_group
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_plan(
            group=group,
            actor=Actor(coordinator, vadso_rus),
            starts_at=at(7),
            place="Vadsø rådhus",
            invite=list(group.members.active()),
        )
    recipients = [to for message in mail.outbox for to in message.to]
    assert "berit.ny@example.no" in recipients
    assert "berit@example.no" not in recipients
    sent = next(m for m in mail.outbox if m.to == ["berit.ny@example.no"])
    assert "Ola" not in sent.subject + sent.body


def test_a_person_in_a_role_is_not_removed_until_the_roles_end(
    login, coordinator, vadso_rus, shared_patient, sister_in_three_roles
):
    berit = sister_in_three_roles
    client = login(coordinator)
    url = reverse("pathways:next_of_kin_delete", args=[shared_patient.pk, berit.pk])
    page = client.get(url).content.decode()
    assert "deltaker i den individuelle planen" in page
    response = client.post(url, {"version": berit.version})
    assert response.status_code == 200
    assert "kan ikke fjernes" in response.content.decode()
    assert NextOfKin.objects.filter(pk=berit.pk).exists()

    actor = Actor(coordinator, vadso_rus)
    plans.participant_remove(participant=Participant.objects.get(next_of_kin=berit), actor=actor)
    crisis_plans.crisis_contact_remove(
        patient=shared_patient, actor=actor, contact=CrisisContact.objects.get(next_of_kin=berit)
    )
    with pytest.raises(ValidationError):
        next_of_kin_delete(
            patient=shared_patient, actor=actor, instance=berit, version=berit.version
        )
    member = GroupMember.objects.get(next_of_kin=berit)
    meetings.group_member_remove(member=member, actor=actor)
    next_of_kin_delete(patient=shared_patient, actor=actor, instance=berit, version=berit.version)
    assert not NextOfKin.objects.filter(pk=berit.pk).exists()
    # The former member keeps a readable name for the minutes of earlier meetings.
    member.refresh_from_db()
    assert (member.next_of_kin_id, member.name) == (None, "Berit Nordmann")


def test_choosing_a_new_person_without_a_name_is_explained_and_nothing_is_saved(
    login, coordinator, vadso_rus, shared_patient
):
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    response = login(coordinator).post(
        reverse("pathways:plan_participant_new", args=[shared_patient.pk]),
        {"version": plan.version, "kind": "next_of_kin", "person": "new", "person_phone": "1"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Skriv inn relasjonen til pasienten." in html
    assert 'value="1"' in html
    assert not NextOfKin.objects.exists()
    assert not Participant.objects.filter(kind="next_of_kin").exists()


def test_a_person_of_another_patient_cannot_be_chosen(
    coordinator, vadso_rus, shared_patient, group
):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, by=coordinator)
    stranger = NextOfKin.objects.create(patient=other, name="Per", relation="Bror")
    with pytest.raises(ValidationError):
        meetings.group_member_add(
            group=group,
            actor=Actor(coordinator, vadso_rus),
            role=GroupMember.Role.NEXT_OF_KIN,
            next_of_kin=stranger,
            basis=GroupMember.Basis.PATIENT,
        )


# --- the list costs the same however many people -----------------------------------------------


def _list_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("pathways:next_of_kin_list", args=[patient.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_register_list_costs_a_fixed_number_of_queries(
    login, coordinator, vadso_rus, shared_patient, group, django_assert_num_queries
):
    client = login(coordinator)
    actor = Actor(coordinator, vadso_rus)
    next_of_kin_save(
        patient=shared_patient, actor=actor, instance=NextOfKin(name="P 0", relation="Venn")
    )
    one = _list_queries(client, shared_patient)
    for i in range(1, 30):
        person = next_of_kin_save(
            patient=shared_patient, actor=actor, instance=NextOfKin(name=f"P {i}", relation="Venn")
        )
        if i % 3 == 0:
            meetings.group_member_add(
                group=group,
                actor=actor,
                role=GroupMember.Role.NEXT_OF_KIN,
                next_of_kin=person,
                basis=GroupMember.Basis.PATIENT,
            )
    # One query per person (or per role) would be 30+ more here.
    with django_assert_num_queries(one):
        client.get(reverse("pathways:next_of_kin_list", args=[shared_patient.pk]))


def test_a_participant_of_a_closed_plan_keeps_the_name_when_the_person_is_removed(
    coordinator, vadso_rus, shared_patient
):
    from tests.pathways.plan.test_closed import close

    actor = Actor(coordinator, vadso_rus)
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    participant = plans.participant_save(
        plan=plan,
        actor=actor,
        base_version=plan.version,
        data={"kind": Participant.Kind.NEXT_OF_KIN, "contribution": "Følger til avtaler."},
        new_person={"name": "Berit Nordmann", "relation": "Søster", "phone": "91234567"},
    )
    berit = participant.next_of_kin
    close(plan, coordinator, vadso_rus)
    next_of_kin_delete(patient=shared_patient, actor=actor, instance=berit, version=berit.version)
    participant.refresh_from_db()
    assert (participant.next_of_kin_id, participant.kind) == (None, Participant.Kind.PERSON)
    assert (participant.name, participant.role, participant.phone) == (
        "Berit Nordmann",
        "Søster",
        "91234567",
    )
