"""Who may do what with the group and its meetings: the can_* answers and what pages offer."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.acting import Actor
from pathways.access import sync_unit_access
from pathways.meetings import permissions as can
from pathways.meetings import services as svc
from pathways.models import CareTeamMember
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import begin

pytestmark = pytest.mark.django_db


@pytest.fixture
def informed(shared_patient, unn_tsb):
    """UNN TSB stays on the care team, kept informed only: it reads but changes nothing."""
    CareTeamMember.objects.filter(patient=shared_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    sync_unit_access(shared_patient, unn_tsb)


def test_the_meeting_state_decides_what_the_care_team_may_do(
    coordinator, vadso_rus, planned, held, published
):
    actor = Actor(coordinator, vadso_rus)
    planned.refresh_from_db()
    assert can.can_edit_group(actor, planned.group)
    assert not can.can_edit_meeting(actor, published)
    assert not can.can_write_minutes(actor, published)
    assert not can.can_publish_minutes(actor, published)
    assert can.can_add_addendum(actor, published)
    item = published.action_items.first()
    assert can.can_mark_item_done(actor, item)
    svc.action_item_done(item=item, actor=actor)
    assert not can.can_mark_item_done(actor, item)


def test_a_planned_meeting_is_changed_and_a_held_one_published(coordinator, vadso_rus, planned):
    actor = Actor(coordinator, vadso_rus)
    assert can.can_edit_meeting(actor, planned)
    assert not can.can_write_minutes(actor, planned)  # still ahead
    assert not can.can_publish_minutes(actor, planned)
    assert not can.can_add_addendum(actor, planned)
    begin(planned)
    assert can.can_write_minutes(actor, planned)
    assert not can.can_publish_minutes(actor, planned)


def test_the_leader_is_not_removable(coordinator, vadso_rus, group):
    actor = Actor(coordinator, vadso_rus)
    assert not can.can_remove_member(actor, group.members.get(user=coordinator))
    assert can.can_remove_member(actor, group.members.get(name="Nina NAV"))


def test_a_unit_kept_informed_may_do_nothing(tsb_clinician, unn_tsb, published, informed):
    actor = Actor(tsb_clinician, unn_tsb)
    assert not can.can_edit_group(actor, published.group)
    assert not can.can_add_addendum(actor, published)
    item = published.action_items.get(responsible_user=tsb_clinician)
    assert not can.can_mark_item_done(actor, item)
    with pytest.raises(PermissionDenied):
        svc.action_item_done(item=item, actor=actor)
    with pytest.raises(PermissionDenied):
        svc.group_update(
            group=published.group, actor=actor, version=published.group.version, patient_say="x"
        )


def test_pages_offer_only_what_the_reader_may_do(
    login, coordinator, tsb_clinician, published, informed
):
    detail = reverse("pathways:meeting_detail", args=[published.patient_id, published.pk])
    group = reverse("pathways:meetings", args=[published.patient_id])
    html = login(coordinator).get(detail).content.decode()
    assert "Legg til tillegg" in html and "Marker som utført" in html
    assert "Skriv referat" not in html and "Endre møte" not in html
    html = login(coordinator).get(group).content.decode()
    assert html.count(">Fjern<") == 3  # everyone but the leader

    html = login(tsb_clinician).get(detail).content.decode()
    assert "Legg til tillegg" not in html and "Marker som utført" not in html
    html = login(tsb_clinician).get(group).content.decode()
    assert ">Fjern<" not in html and "Kall inn til møte" not in html
