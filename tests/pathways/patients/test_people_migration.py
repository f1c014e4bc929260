"""Migration 0013: copies of pårørende in plans, ansvarsgrupper and crisis plans become links to
the patient's register (same patient and same name, ignoring case, is the same person), and no
detail is lost on the way."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.pathways.plan.setup import start_plan

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("pathways", "0012_kommune_message_moved_kind")]
AFTER = [("pathways", "0013_people_register")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0012(shared_patient, coordinator, vadso_rus):
    """A plan made with today's code, then the database taken back to before the register."""
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    apps = _migrate(BEFORE)
    try:
        yield apps, plan
    finally:
        _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_copies_become_links_to_one_register_entry_and_nothing_is_lost(
    at_0012, shared_patient, coordinator
):
    apps, plan = at_0012
    NextOfKin = apps.get_model("pathways", "NextOfKin")
    Participant = apps.get_model("pathways", "Participant")
    Group = apps.get_model("pathways", "ResponsibilityGroup")
    GroupMember = apps.get_model("pathways", "GroupMember")
    CrisisPlan = apps.get_model("pathways", "CrisisPlan")
    CrisisContact = apps.get_model("pathways", "CrisisContact")
    p = shared_patient.pk
    berit = NextOfKin.objects.create(
        patient_id=p, name="Berit Nordmann", relation="Søster", phone="91234567"
    )
    in_plan = Participant.objects.create(
        plan_id=plan.pk,
        kind="next_of_kin",
        name="berit nordmann",
        role="Søster",
        phone="912 34 567",
    )
    gp = Participant.objects.create(
        plan_id=plan.pk, kind="person", name="Dr. Aas", role="Fastlege", phone="78950000"
    )
    group = Group.objects.create(
        patient_id=p, leader_id=coordinator.pk, created_by_id=coordinator.pk
    )
    external = {"group": group, "added_by_id": coordinator.pk, "basis": "consent"}
    in_group = GroupMember.objects.create(
        **external,
        role="next_of_kin",
        name="BERIT NORDMANN",
        role_note="Storesøster",
        phone="99999999",
        email="berit@example.no",
    )
    friend = GroupMember.objects.create(
        **external, role="next_of_kin", name="Per Venn", role_note="Venn", phone="40000000"
    )
    nav = GroupMember.objects.create(
        **external, role="nav", name="Nina NAV", role_note="Veileder", email="nina@nav.example"
    )
    crisis, _ = CrisisPlan.objects.get_or_create(plan_id=plan.pk)
    sister_call = CrisisContact.objects.create(
        crisis=crisis, name="Berit Nordmann", role="Søster", phone="91234567", when="Alltid"
    )
    koordinator = CrisisContact.objects.create(
        crisis=crisis, name="Kari Nilsen", role="Koordinator", phone="78942000"
    )
    neighbour = CrisisContact.objects.create(
        crisis=crisis, name="Lise Hansen", role="Nabo", phone="47000000"
    )

    apps = _migrate(AFTER)
    NextOfKin = apps.get_model("pathways", "NextOfKin")
    Participant = apps.get_model("pathways", "Participant")
    GroupMember = apps.get_model("pathways", "GroupMember")
    CrisisContact = apps.get_model("pathways", "CrisisContact")

    register = {n.name: n for n in NextOfKin.objects.filter(patient_id=p)}
    assert sorted(register) == ["Berit Nordmann", "Lise Hansen", "Per Venn"]
    berit = register["Berit Nordmann"]
    # What the register lacked is filled in; what differed is kept in the note.
    assert berit.email == "berit@example.no"
    assert berit.phone == "91234567"
    assert "telefon 99999999" in berit.note and "Storesøster" in berit.note
    assert "912 34 567" not in berit.note  # the same number, written differently

    rows = [
        Participant.objects.get(pk=in_plan.pk),
        GroupMember.objects.get(pk=in_group.pk),
        CrisisContact.objects.get(pk=sister_call.pk),
    ]
    assert [r.next_of_kin_id for r in rows] == [berit.pk] * 3
    assert [r.name for r in rows] == ["", "", ""]  # read from the register from now on
    assert CrisisContact.objects.get(pk=sister_call.pk).when == "Alltid"

    friend = GroupMember.objects.get(pk=friend.pk)
    assert friend.next_of_kin_id == register["Per Venn"].pk
    assert (register["Per Venn"].relation, register["Per Venn"].phone) == ("Venn", "40000000")
    neighbour = CrisisContact.objects.get(pk=neighbour.pk)
    assert neighbour.next_of_kin_id == register["Lise Hansen"].pk
    assert register["Lise Hansen"].relation == "Nabo"

    # Professionals stay typed where they were.
    gp = Participant.objects.get(pk=gp.pk)
    nav = GroupMember.objects.get(pk=nav.pk)
    koordinator = CrisisContact.objects.get(pk=koordinator.pk)
    assert (gp.next_of_kin_id, gp.name, gp.phone) == (None, "Dr. Aas", "78950000")
    assert (nav.next_of_kin_id, nav.email) == (None, "nina@nav.example")
    assert (koordinator.next_of_kin_id, koordinator.phone) == (None, "78942000")
