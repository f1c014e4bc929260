"""The ettervern work reuses the other features: an ansvarsgruppe meeting during the stay is
the joint planning meeting. (The patient's one crisis plan: tests/pathways/crisis/.)"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.crisis import services as crisis_svc
from pathways.episodes import services as dsvc
from pathways.meetings import services as meeting_svc
from pathways.models import Meeting
from pathways.plan import services as plan_svc
from tests.pathways.episodes.test_services import admit
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, send=True, days_ago=10)


def plan_meeting(group, by, unit, days):
    return meeting_svc.meeting_plan(
        group=group, actor=Actor(by, unit), starts_at=at(days), place="Vadsø rådhus"
    )


def test_the_sources_are_registered_once_at_start_up():
    from pathways import wiring

    assert dsvc.JOINT_MEETING_SOURCES.count(wiring.ansvarsgruppe_meeting_during_stay) == 1
    assert crisis_svc.CRISIS_CHANGED.count(plan_svc.crisis_changed) == 1


def test_without_any_meeting_the_joint_meeting_is_missing(episode):
    assert not dsvc.joint_planning_meeting_held(episode)
    reasons = dsvc.ready_refusal_reasons(episode)
    assert any("planning meeting" in r or "planleggingsmøte" in r for r in reasons)


def test_an_ansvarsgruppe_meeting_still_ahead_does_not_count_yet(
    episode, group, coordinator, vadso_rus
):
    plan_meeting(group, coordinator, vadso_rus, days=3)
    assert not dsvc.joint_planning_meeting_held(episode)


def test_an_ansvarsgruppe_meeting_that_took_place_during_the_stay_counts(
    episode, group, coordinator, vadso_rus
):
    meeting = plan_meeting(group, coordinator, vadso_rus, days=3)
    # Time passes; the meeting takes place (minutes or not).
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert dsvc.joint_planning_meeting_held(episode)


def test_a_held_meeting_since_the_start_counts(episode, group, coordinator, vadso_rus):
    meeting = plan_meeting(group, coordinator, vadso_rus, days=3)
    Meeting.objects.filter(pk=meeting.pk).update(
        state=Meeting.State.HELD, starts_at=timezone.now() - datetime.timedelta(days=2)
    )
    assert dsvc.joint_planning_meeting_held(episode)


def test_a_meeting_before_the_stay_does_not_count(episode, group, coordinator, vadso_rus):
    meeting = plan_meeting(group, coordinator, vadso_rus, days=3)
    Meeting.objects.filter(pk=meeting.pk).update(
        state=Meeting.State.HELD, starts_at=episode.started_at - datetime.timedelta(days=1)
    )
    assert not dsvc.joint_planning_meeting_held(episode)


def test_a_cancelled_meeting_does_not_count(episode, group, coordinator, vadso_rus):
    meeting = plan_meeting(group, coordinator, vadso_rus, days=3)
    meeting_svc.meeting_cancel(meeting=meeting, actor=Actor(coordinator, vadso_rus), reason="Syk")
    assert not dsvc.joint_planning_meeting_held(episode)


def test_a_meeting_of_another_patient_does_not_count(
    episode, coordinator, vadso_rus, patient, other_kommune_user
):
    from tests.factories import make_patient

    other = make_patient(vadso_rus, by=coordinator, first_name="Per")
    other_group = meeting_svc.group_create(patient=other, actor=Actor(coordinator, vadso_rus))
    plan_meeting(other_group, coordinator, vadso_rus, days=3)
    assert not dsvc.joint_planning_meeting_held(episode)


def test_the_meeting_lets_the_patient_be_declared_ready_and_is_listed(
    login, episode, group, coordinator, vadso_rus, tsb_clinician, unn_tsb
):
    meeting = plan_meeting(group, coordinator, vadso_rus, days=3)
    dsvc.episode_assess(
        episode=episode, actor=Actor(tsb_clinician, unn_tsb), assessment="Klar.", version=1
    )
    page = login(tsb_clinician).get(
        reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])
    )
    assert reverse("pathways:meeting_detail", args=[episode.patient_id, meeting.pk]) in (
        page.content.decode()
    )
    # Listed while ahead; it counts once it has taken place.
    with pytest.raises(ValidationError):
        dsvc.episode_declare_ready(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    sent = dsvc.episode_declare_ready(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    assert sent and sent[0].kind == "ready"
