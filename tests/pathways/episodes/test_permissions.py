"""The episode's can_* rules and the one rights object the pages read."""

import pytest
from django.urls import reverse

from accounts.acting import Actor
from pathways.access import sync_unit_access
from pathways.episodes import permissions as perms
from pathways.episodes import services as svc
from pathways.models import CareTeamMember
from tests.factories import make_user
from tests.pathways.episodes.test_services import admit

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, send=True)


def url(name, episode):
    return reverse(f"pathways:{name}", args=[episode.patient_id, episode.pk])


def test_the_treating_unit_treats_while_the_episode_is_open(episode, tsb_clinician, unn_tsb):
    clinician = Actor(tsb_clinician, unn_tsb)
    assert perms.can_treat(clinician, episode)
    assert perms.can_assess(clinician, episode)
    assert perms.can_end(clinician, episode) and perms.can_transfer(clinician, episode)
    svc.episode_end(episode=episode, actor=clinician, end_kind="unplanned")
    episode.refresh_from_db()
    assert not perms.can_treat(clinician, episode)
    assert not perms.can_assess(clinician, episode)
    # The pathway's dates are still recorded after the discharge.
    assert perms.can_record_pathway(clinician, episode)


def test_only_a_clinician_assesses(episode, unn_tsb):
    intake = Actor(make_user(unn_tsb, role="intake"), unn_tsb)
    assert perms.can_treat(intake, episode)
    assert not perms.can_assess(intake, episode)


def test_the_kommune_follows_up_and_writes_its_own_part(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    kommune = Actor(coordinator, vadso_rus)
    assert not perms.can_treat(kommune, episode)
    assert perms.can_follow_up(kommune, episode)
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    assert perms.can_edit_part(kommune, plan, "kommune")
    assert not perms.can_edit_part(kommune, plan, "crisis")  # the patient's, not the plan's
    assert not perms.can_edit_part(kommune, plan, "specialist")
    assert perms.can_edit_part(Actor(tsb_clinician, unn_tsb), plan, "specialist")


def test_a_unit_only_kept_informed_may_do_nothing(episode, tsb_clinician, unn_tsb):
    CareTeamMember.objects.filter(patient=episode.patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(episode.patient, unn_tsb)
    clinician = Actor(tsb_clinician, unn_tsb)
    assert not perms.is_treating_unit(clinician, episode)
    assert not perms.can_treat(clinician, episode)
    assert not perms.can_record_pathway(clinician, episode)


def test_the_episode_page_shows_only_what_the_actor_may_do(
    login, episode, tsb_clinician, coordinator, unn_tsb
):
    response = login(tsb_clinician).get(url("episode_detail", episode))
    can = response.context["can"]
    assert can.assess and can.end and can.transfer and not can.follow_up
    page = response.content.decode()
    assert url("episode_assess", episode) in page
    assert url("episode_end", episode) in page

    response = login(coordinator).get(url("episode_detail", episode))
    can = response.context["can"]
    assert not (can.treat or can.assess or can.end or can.record_pathway)
    page = response.content.decode()
    assert url("episode_assess", episode) not in page
    assert url("episode_end", episode) not in page

    intake = make_user(unn_tsb, role="intake")
    page = login(intake).get(url("episode_detail", episode)).content.decode()
    assert url("episode_assess", episode) not in page  # the service would refuse it
    assert url("episode_end", episode) in page
