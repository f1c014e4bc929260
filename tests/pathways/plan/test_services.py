"""The plan's rules, through the services: consent, one plan, one koordinator, edit rights,
stale versions, revisions and their differences."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent, Membership
from pathways.models import (
    CoordinatorAssignment,
    IndividualPlan,
    LifeArea,
    Measure,
    PlanRevision,
)
from pathways.plan import diff as plan_diff
from pathways.plan import permissions as perms
from pathways.plan import services as svc
from pathways.stale import StaleWrite
from tests.pathways.plan.setup import (
    add_goal,
    add_measure,
    appoint,
    record_plan_consent,
    start_plan,
)

pytestmark = pytest.mark.django_db


def _create(patient, by, unit):
    today = timezone.localdate()
    return svc.plan_create(
        patient=patient,
        actor=Actor(by, unit),
        owner_unit=unit,
        period_start=today,
        next_revision_on=today + datetime.timedelta(days=182),
    )


def test_a_plan_needs_the_patients_consent_first(coordinator, vadso_rus, patient):
    with pytest.raises(ValidationError, match="samtykke"):
        _create(patient, coordinator, vadso_rus)
    assert not IndividualPlan.objects.exists()
    record_plan_consent(patient, coordinator, vadso_rus)
    assert _create(patient, coordinator, vadso_rus).consent.scope == "individual_plan"


def test_withdrawn_or_expired_consent_does_not_count(coordinator, vadso_rus, patient):
    from pathways.patients.services.careteam import consent_withdraw

    consent = record_plan_consent(patient, coordinator, vadso_rus)
    consent_withdraw(consent=consent, actor=Actor(coordinator, vadso_rus))
    with pytest.raises(ValidationError):
        _create(patient, coordinator, vadso_rus)


def test_the_patient_has_at_most_one_open_plan(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    with pytest.raises(ValidationError, match="allerede"):
        _create(patient, coordinator, vadso_rus)
    # The database refuses a second open plan even past the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        IndividualPlan.objects.create(
            patient=patient, owner_unit=vadso_rus, consent=plan.consent, created_by=coordinator
        )
    plan.refresh_from_db()
    svc.plan_update_section(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        section="basics",
        base_version=plan.version,
        data={
            "status": "closed",
            "owner_unit": vadso_rus,
            "period_start": plan.period_start,
            "period_end": None,
            "next_revision_on": plan.next_revision_on,
        },
    )
    # Once closed, a new plan may start.
    assert _create(patient, coordinator, vadso_rus).pk != plan.pk


def test_the_creator_becomes_koordinator_when_there_is_none(coordinator, vadso_rus, patient):
    record_plan_consent(patient, coordinator, vadso_rus)
    _create(patient, coordinator, vadso_rus)
    assert svc.active_coordinator(patient).user == coordinator
    assert PlanRevision.objects.get().summary


def test_one_active_koordinator_with_history(coordinator, colleague, vadso_rus, patient):
    appoint(patient, coordinator, vadso_rus)
    appoint(patient, colleague, vadso_rus, by=coordinator)
    assignments = list(CoordinatorAssignment.objects.filter(patient=patient).order_by("id"))
    assert [a.user for a in assignments] == [coordinator, colleague]
    assert assignments[0].ended_at is not None and assignments[1].ended_at is None
    with pytest.raises(IntegrityError), transaction.atomic():
        CoordinatorAssignment.objects.create(
            patient=patient, user=coordinator, unit=vadso_rus, appointed_by=coordinator
        )


def test_a_koordinator_can_be_appointed_without_a_plan(coordinator, vadso_rus, patient):
    appoint(patient, coordinator, vadso_rus)
    assert svc.open_plan(patient) is None
    assert svc.active_coordinator(patient).user == coordinator


def test_the_koordinator_must_work_in_a_care_team_unit(
    coordinator, vadso_rus, patient, other_kommune_user, sarpsborg_rus
):
    membership = Membership.objects.get(user=other_kommune_user)
    with pytest.raises(ValidationError):
        svc.coordinator_appoint(
            patient=patient, membership=membership, actor=Actor(coordinator, vadso_rus)
        )


def test_koordinator_edits_all_responsible_unit_edits_its_measure_others_comment(
    coordinator, colleague, tsb_clinician, vadso_rus, unn_tsb, shared_patient
):
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    goal = add_goal(plan, coordinator, vadso_rus)
    ours = add_measure(plan, coordinator, vadso_rus, responsible_unit=unn_tsb, title="Døgnopphold")
    theirs = add_measure(plan, coordinator, vadso_rus, title="Boligsøknad")

    colleague_rights = perms.rights(Actor(colleague, vadso_rus), shared_patient)
    assert colleague_rights.can_comment and not colleague_rights.can_edit_all
    assert colleague_rights.can_edit_measure(theirs)  # Vadsø is responsible for it
    tsb_rights = perms.rights(Actor(tsb_clinician, unn_tsb), shared_patient)
    assert tsb_rights.can_edit_measure(ours) and not tsb_rights.can_edit_measure(theirs)
    assert not tsb_rights.can_comment  # a specialist unit sees the plan
    tsb = Actor(tsb_clinician, unn_tsb)
    assert perms.can_edit_measure(tsb, ours) and not perms.can_edit_measure(tsb, theirs)
    assert perms.can_start(tsb, shared_patient) and not perms.can_edit_all(tsb, shared_patient)
    assert perms.can_edit_all(Actor(coordinator, vadso_rus), shared_patient)
    assert perms.can_comment(Actor(coordinator, vadso_rus), shared_patient)

    plan.refresh_from_db()
    svc.measure_save(
        plan=plan,
        actor=Actor(tsb_clinician, unn_tsb),
        measure=ours,
        base_version=plan.version,
        data={"status": Measure.Status.ON_HOLD, "title": "Overtatt tittel"},
    )
    ours.refresh_from_db()
    assert ours.status == Measure.Status.ON_HOLD
    assert ours.title == "Døgnopphold"  # only the koordinator renames or reassigns
    with pytest.raises(PermissionDenied):
        svc.measure_save(
            plan=plan,
            actor=Actor(tsb_clinician, unn_tsb),
            measure=theirs,
            base_version=plan.version,
            data={"status": "stopped"},
        )
    with pytest.raises(PermissionDenied):
        svc.goal_save(
            plan=plan,
            actor=Actor(colleague, vadso_rus),
            goal=goal,
            base_version=plan.version,
            data={"text": "Endret"},
        )
    svc.comment_add(plan=plan, actor=Actor(colleague, vadso_rus), section="goals", text="Enig.")
    assert plan.comments.count() == 1


def test_a_stale_save_of_the_same_measure_is_refused_with_what_changed(
    coordinator, colleague, vadso_rus, patient
):
    plan = start_plan(patient, coordinator, vadso_rus)
    measure = add_measure(plan, coordinator, vadso_rus)
    plan.refresh_from_db()
    opened_at = plan.version
    svc.measure_save(
        plan=plan,
        actor=Actor(colleague, vadso_rus),
        measure=measure,
        base_version=opened_at,
        data={"scope": "To ganger i uka"},
    )
    with pytest.raises(StaleWrite) as caught:
        svc.measure_save(
            plan=plan,
            actor=Actor(coordinator, vadso_rus),
            measure=measure,
            base_version=opened_at,
            data={"scope": "Hver dag"},
        )
    change = caught.value.changes[0]
    assert change.key == f"measure:{measure.pk}"
    assert ("Omfang og hyppighet", "Ukentlig oppfølging", "To ganger i uka") in change.fields
    measure.refresh_from_db()
    assert measure.scope == "To ganger i uka"  # nothing overwritten silently
    # Applying again against the version now stored goes through.
    svc.measure_save(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        measure=measure,
        base_version=caught.value.current_version,
        data={"scope": "Hver dag"},
    )
    measure.refresh_from_db()
    assert measure.scope == "Hver dag"


def test_a_stale_save_of_another_part_goes_through(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    goal = add_goal(plan, coordinator, vadso_rus)
    plan.refresh_from_db()
    opened_at = plan.version
    add_measure(plan, coordinator, vadso_rus)
    svc.goal_save(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        goal=goal,
        base_version=opened_at,
        data={"status": "achieved"},
    )
    goal.refresh_from_db()
    assert goal.status == "achieved"


def test_every_save_makes_a_revision_and_the_diff_shows_added_changed_removed(
    coordinator, vadso_rus, patient
):
    plan = start_plan(patient, coordinator, vadso_rus)
    first = plan.version
    goal = add_goal(plan, coordinator, vadso_rus)
    measure = add_measure(plan, coordinator, vadso_rus)
    plan.refresh_from_db()
    middle = plan.version
    svc.measure_save(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        measure=measure,
        base_version=plan.version,
        data={"status": Measure.Status.COMPLETED},
    )
    participant = plan.participants.get()
    participant_key = f"participant:{participant.pk}"
    svc.participant_remove(participant=participant, actor=Actor(coordinator, vadso_rus))
    plan.refresh_from_db()
    versions = list(PlanRevision.objects.filter(plan=plan).values_list("version", flat=True))
    assert sorted(versions) == list(range(1, plan.version + 1))

    snapshots = dict(PlanRevision.objects.filter(plan=plan).values_list("version", "snapshot"))
    added = plan_diff.diff(snapshots[first], snapshots[middle])
    assert {(c.kind, c.key) for c in added} == {
        ("added", f"goal:{goal.pk}"),
        ("added", f"measure:{measure.pk}"),
    }
    later = plan_diff.diff(snapshots[middle], snapshots[plan.version])
    kinds = {(c.kind, c.key) for c in later}
    assert ("changed", f"measure:{measure.pk}") in kinds
    assert ("removed", participant_key) in kinds
    status = next(c for c in later if c.key == f"measure:{measure.pk}").fields
    assert ("Status", "Under arbeid", "Fullført") in status


def test_an_evaluation_sets_the_next_revision(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    next_date = timezone.localdate() + datetime.timedelta(days=90)
    svc.evaluation_add(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        data={
            "held_on": timezone.localdate(),
            "participants": "Ola, Kari",
            "what_worked": "Boligen er på plass.",
            "what_changes": "",
            "next_revision_on": next_date,
        },
    )
    plan.refresh_from_db()
    assert plan.next_revision_on == next_date


def test_the_diff_of_an_evaluation_says_what_worked_and_what_changes(
    coordinator, vadso_rus, patient
):
    plan = start_plan(patient, coordinator, vadso_rus)
    before = plan.version
    svc.evaluation_add(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        data={
            "held_on": timezone.localdate(),
            "participants": "Ola, Kari",
            "what_worked": "Boligen er på plass.",
            "what_changes": "Nytt mål om arbeidstrening.",
            "next_revision_on": timezone.localdate() + datetime.timedelta(days=90),
        },
    )
    plan.refresh_from_db()
    snapshots = dict(PlanRevision.objects.filter(plan=plan).values_list("version", "snapshot"))
    change = next(
        c for c in plan_diff.diff(snapshots[before], snapshots[plan.version]) if c.kind == "added"
    )
    assert ("Hva som har fungert", "–", "Boligen er på plass.") in change.fields
    assert ("Hva vi endrer", "–", "Nytt mål om arbeidstrening.") in change.fields


def test_changes_are_audited(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    add_measure(plan, coordinator, vadso_rus)
    details = list(
        AuditEvent.objects.filter(patient_id=patient.pk, action="update").values_list(
            "detail", flat=True
        )
    )
    assert any("Søknad om kommunal bolig" in d for d in details)


def test_self_ratings_are_kept_over_time(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    for days, score in [(60, 2), (0, 4)]:
        plan.refresh_from_db()
        svc.area_save(
            plan=plan,
            actor=Actor(coordinator, vadso_rus),
            life_area=LifeArea.HOUSING,
            resources="Har bodd alene før.",
            needs="Hjelp med søknad.",
            score=score,
            rated_on=timezone.localdate() - datetime.timedelta(days=days),
            base_version=plan.version,
        )
    assert list(plan.ratings.values_list("score", flat=True)) == [2, 4]
    assert plan.areas.count() == 1


def test_a_user_outside_the_care_team_cannot_start_a_plan(
    other_kommune_user, sarpsborg_rus, patient
):
    with pytest.raises(PermissionDenied):
        _create(patient, other_kommune_user, sarpsborg_rus)


def test_marking_a_measure_completed_twice_counts_once(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    measure = add_measure(plan, coordinator, vadso_rus)
    assert svc.measure_complete(measure=measure, actor=Actor(coordinator, vadso_rus))
    assert not svc.measure_complete(measure=measure, actor=Actor(coordinator, vadso_rus))
    measure.refresh_from_db()
    assert measure.completed_by == coordinator


def test_a_responsible_unit_must_be_on_the_care_team(coordinator, vadso_rus, patient, unn_tsb):
    plan = start_plan(patient, coordinator, vadso_rus)
    with pytest.raises(ValidationError):
        add_measure(plan, coordinator, vadso_rus, responsible_unit=unn_tsb)


def test_leader_of_the_unit_is_not_koordinator(leader, coordinator, vadso_rus, patient):
    start_plan(patient, coordinator, vadso_rus)
    rights = perms.rights(Actor(leader, vadso_rus), patient)
    assert rights.can_comment and not rights.can_edit_all
