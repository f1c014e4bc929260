"""meta.lastUpdated and ``_lastUpdated`` follow the latest change of what a resource shows:
a change made after a moment is found by ``_lastUpdated=gt<moment>``, per resource type
(the rows' ``changed_at`` is moved by a database trigger, pathways 0031 / referrals 0012)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership
from pathways.meetings import services as meetings
from pathways.models import Goal, NextOfKin, Patient, TreatmentEpisode
from pathways.patients.services.patients import next_of_kin_save, patient_update
from pathways.plan import services as plan_services
from referrals.models import Referral
from tests.factories import make_user
from tests.pathways.plan.setup import appoint

pytestmark = pytest.mark.django_db


def found_since(api, system, name, moment):
    response = api(system).get(
        reverse("fhir:search", args=[name]), {"_lastUpdated": f"gt{moment.isoformat()}"}
    )
    assert response.status_code == 200, response.content
    return {e["resource"]["id"]: e["resource"] for e in response.json().get("entry", [])}


@pytest.fixture
def moment(pathway):
    """A time after the whole pathway was built, before the change under test."""
    return timezone.now()


def test_a_patients_new_phone_is_found(api, vadso_system, patient, coordinator, vadso_rus, moment):
    assert found_since(api, vadso_system, "Patient", moment) == {}
    patient_update(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        data={"phone": "99887766"},
        version=Patient.objects.get(pk=patient.pk).version,
    )
    found = found_since(api, vadso_system, "Patient", moment)
    assert list(found) == [str(patient.pk)]
    assert found[str(patient.pk)]["telecom"] == [{"system": "phone", "value": "99887766"}]
    # Instants are given to the second.
    updated = datetime.datetime.fromisoformat(found[str(patient.pk)]["meta"]["lastUpdated"])
    assert updated >= moment.replace(microsecond=0)
    # The pathway (CareTeam, EpisodeOfCare) shows the patient's row too.
    assert list(found_since(api, vadso_system, "EpisodeOfCare", moment)) == [str(patient.pk)]


def test_a_goal_set_achieved_is_found(api, vadso_system, pathway, coordinator, vadso_rus, moment):
    goal, plan = pathway["goal"], pathway["plan"]
    assert found_since(api, vadso_system, "Goal", moment) == {}
    plan.refresh_from_db()
    plan_services.goal_save(
        plan=plan,
        actor=Actor(coordinator, vadso_rus),
        data={"status": Goal.Status.ACHIEVED},
        base_version=plan.version,
        goal=goal,
    )
    found = found_since(api, vadso_system, "Goal", moment)
    assert list(found) == [str(goal.pk)]
    assert found[str(goal.pk)]["lifecycleStatus"] == "completed"
    # The plan's revision moves the CarePlan as before.
    assert list(found_since(api, vadso_system, "CarePlan", moment)) == [str(plan.pk)]


def test_a_changed_next_of_kin_is_found(
    api, vadso_system, patient, pathway, coordinator, vadso_rus, moment
):
    kin = NextOfKin.objects.get(patient=patient)
    assert found_since(api, vadso_system, "RelatedPerson", moment) == {}
    kin.phone = "40000000"
    next_of_kin_save(
        patient=patient, actor=Actor(coordinator, vadso_rus), instance=kin, version=kin.version
    )
    assert list(found_since(api, vadso_system, "RelatedPerson", moment)) == [str(kin.pk)]


def test_a_moved_meeting_is_found_and_a_future_start_is_no_change(
    api, vadso_system, pathway, coordinator, vadso_rus, moment
):
    meeting = pathway["meeting"]
    # The meeting starts in a week; that is not a change that has happened.
    assert found_since(api, vadso_system, "Appointment", moment) == {}
    meeting.refresh_from_db()
    meetings.meeting_change(
        meeting=meeting,
        actor=Actor(coordinator, vadso_rus),
        version=meeting.version,
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        place="Vadsø helsesenter",
        digital_link="",
    )
    assert list(found_since(api, vadso_system, "Appointment", moment)) == [str(meeting.pk)]


def test_a_referral_changed_any_way_moves_task_and_service_request(
    api, vadso_system, pathway, moment
):
    forwarded = pathway["forwarded"]
    assert found_since(api, vadso_system, "Task", moment) == {}
    # Even a queryset update (no service, no timestamp of its own) is a change.
    Referral.objects.filter(pk=forwarded.pk).update(urgency=Referral.Urgency.URGENT)
    found = found_since(api, vadso_system, "Task", moment)
    assert list(found) == [str(forwarded.pk)]
    assert found[str(forwarded.pk)]["priority"] == "urgent"
    modified = datetime.datetime.fromisoformat(found[str(forwarded.pk)]["lastModified"])
    assert modified >= moment.replace(microsecond=0)
    assert list(found_since(api, vadso_system, "ServiceRequest", moment)) == [str(forwarded.pk)]


def test_a_changed_stay_is_found(api, vadso_system, pathway, moment):
    episode = pathway["episode"]
    assert found_since(api, vadso_system, "Encounter", moment) == {}
    TreatmentEpisode.objects.filter(pk=episode.pk).update(kind=TreatmentEpisode.Kind.POLIKLINIKK)
    assert list(found_since(api, vadso_system, "Encounter", moment)) == [str(episode.pk)]


def test_a_save_that_changes_nothing_is_no_change(api, vadso_system, patient, pathway, moment):
    Patient.objects.get(pk=patient.pk).save()
    Goal.objects.get(pk=pathway["goal"].pk).save()
    assert found_since(api, vadso_system, "Patient", moment) == {}
    assert found_since(api, vadso_system, "Goal", moment) == {}


def test_a_new_koordinator_moves_the_episode_of_care(
    api, vadso_system, patient, pathway, coordinator, vadso_rus, moment
):
    assert found_since(api, vadso_system, "EpisodeOfCare", moment) == {}
    successor = make_user(vadso_rus, Membership.Role.COORDINATOR, username="etterfolger")
    appoint(patient, successor, vadso_rus, by=coordinator)
    found = found_since(api, vadso_system, "EpisodeOfCare", moment)
    assert found[str(patient.pk)]["careManager"]["reference"] == f"Practitioner/{successor.pk}"
    assert list(found_since(api, vadso_system, "CareTeam", moment)) == [str(patient.pk)]
