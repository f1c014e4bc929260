"""The data migration to one crisis plan per patient keeps everything a clinician wrote.

The patients, plans and stays are made through the services at the newest schema; then the
database goes back to the state before the migration, the old crisis plans (the individuell
plan's and the ettervern plan's own fields) are written there, and the migration runs."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.acting import Actor
from pathways.episodes import services as episode_svc
from pathways.models import CareTeamMember, Consent
from pathways.patients.services.careteam import consent_record
from tests.factories import make_patient
from tests.pathways.episodes.test_services import admit
from tests.pathways.plan.setup import start_plan

MIGRATION = ("pathways", "0014_one_crisis_plan")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_both_crisis_plans_are_kept_and_an_ettervern_only_one_moves(
    coordinator, vadso_rus, unn_tsb, tsb_clinician
):
    both = make_patient(vadso_rus, by=coordinator, first_name="Begge")
    only_ettervern = make_patient(vadso_rus, by=coordinator, first_name="Etter")
    untouched = make_patient(vadso_rus, by=coordinator, first_name="Ingen")
    for patient in (both, only_ettervern, untouched):
        consent_record(
            patient=patient,
            actor=Actor(coordinator, vadso_rus),
            scope=Consent.Scope.SHARING,
            given_on=patient.created_at.date(),
            units=[unn_tsb],
            role=CareTeamMember.Role.TREATING,
        )
    ip = start_plan(both, coordinator, vadso_rus)
    plans = {}
    for patient in (both, only_ettervern, untouched):
        episode = admit(patient, tsb_clinician, unn_tsb)
        plans[patient.pk] = episode_svc.plan_start(
            episode=episode, actor=Actor(tsb_clinician, unn_tsb)
        )
    written = timezone.localtime(plans[both.pk].updated_at).strftime("%d.%m.%Y")

    # The migration's parents (whatever it is chained after).
    graph = MigrationExecutor(connection).loader.graph
    before = [node.key for node in graph.node_map[MIGRATION].parents]
    try:
        old = _migrate(before)
        CrisisPlan = old.get_model("pathways", "CrisisPlan")
        CrisisContact = old.get_model("pathways", "CrisisContact")
        EttervernPlan = old.get_model("pathways", "EttervernPlan")
        # Going back made the individuell plan its own (empty) crisis plan, as it had then.
        ip_crisis = CrisisPlan.objects.get(plan_id=ip.pk)
        ip_crisis.warning_signs = "Slutter å svare på telefonen."
        ip_crisis.what_helps = "Å gå tur med hunden."
        ip_crisis.save()
        CrisisContact.objects.create(crisis=ip_crisis, name="Lise", role="Søster", phone="912")
        # A closed plan of the same patient with its own crisis plan (even one started later):
        # the open plan's is kept; the closed one's stays in that plan's revision snapshots.
        closed = old.get_model("pathways", "IndividualPlan").objects.create(
            patient_id=both.pk,
            status="closed",
            owner_unit_id=ip.owner_unit_id,
            consent_id=ip.consent_id,
            period_start=ip.period_start,
            next_revision_on=ip.next_revision_on,
            created_at=ip.created_at + datetime.timedelta(days=1),
            created_by_id=coordinator.pk,
            closed_at=ip.created_at + datetime.timedelta(days=2),
        )
        CrisisPlan.objects.create(plan=closed, warning_signs="Fra en lukket plan.")
        EttervernPlan.objects.filter(pk=plans[both.pk].pk).update(
            crisis_warning_signs="Sover dårlig.",
            crisis_what_helps="",
            crisis_contacts="Vakttelefon 78 00 00 00",
        )
        EttervernPlan.objects.filter(pk=plans[only_ettervern.pk].pk).update(
            crisis_warning_signs="Trekker seg unna.",
            crisis_what_helps="Ringe søster.",
            crisis_contacts="Ruskonsulent Kari, 78 94 23 00",
        )

        new = _migrate([MIGRATION])
        CrisisPlan = new.get_model("pathways", "CrisisPlan")
        EttervernPlan = new.get_model("pathways", "EttervernPlan")

        # Both existed: the individuell plan's texts and contacts, the ettervern texts below.
        merged = CrisisPlan.objects.get(patient_id=both.pk)
        header = f"Fra ettervernplanen ({written}):"
        assert merged.warning_signs == (f"Slutter å svare på telefonen.\n\n{header}\nSover dårlig.")
        assert "Fra en lukket plan." not in merged.warning_signs
        assert merged.what_helps == "Å gå tur med hunden."
        assert merged.emergency.startswith("Legevakt: 116 117")
        assert merged.emergency.endswith(f"{header}\nVakttelefon 78 00 00 00")
        assert list(merged.contacts.values_list("name", "phone")) == [("Lise", "912")]

        # Only the ettervern plan had one: it is the patient's crisis plan now, as written.
        moved = CrisisPlan.objects.get(patient_id=only_ettervern.pk)
        assert (moved.warning_signs, moved.what_helps, moved.emergency) == (
            "Trekker seg unna.",
            "Ringe søster.",
            "Ruskonsulent Kari, 78 94 23 00",
        )

        # Nothing written: no crisis plan is made up.
        assert not CrisisPlan.objects.filter(patient_id=untouched.pk).exists()
        assert CrisisPlan.objects.count() == 2
        field_names = {f.name for f in EttervernPlan._meta.get_fields()}
        assert not any(name.startswith("crisis_") for name in field_names)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
