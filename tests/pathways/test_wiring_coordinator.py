"""The koordinator leads the ansvarsgruppe and hears from the specialist side about discharge."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.episodes import services as dsvc
from pathways.meetings import services as msvc
from pathways.models import Notification
from pathways.notifications import reminders
from tests.pathways.episodes.test_services import admit, make_ready
from tests.pathways.plan.setup import appoint

pytestmark = pytest.mark.django_db


def group_of(patient, by, unit):
    return msvc.group_create(patient=patient, actor=Actor(by, unit))


# --- the group is led by the koordinator ----------------------------------------------------


def test_without_a_koordinator_the_creator_leads_the_group(patient, coordinator, vadso_rus):
    group = group_of(patient, coordinator, vadso_rus)
    assert group.leader == coordinator
    assert msvc.group_leader(group) == (coordinator, False)


def test_a_new_group_is_led_by_the_active_koordinator(patient, coordinator, colleague, vadso_rus):
    appoint(patient, colleague, vadso_rus, by=coordinator)
    group = group_of(patient, coordinator, vadso_rus)
    assert group.leader == colleague
    assert group.members.active().filter(user=colleague).exists()
    assert msvc.group_leader(group) == (colleague, True)


def test_the_leader_follows_a_new_koordinator(patient, coordinator, colleague, vadso_rus):
    group = group_of(patient, coordinator, vadso_rus)
    appoint(patient, colleague, vadso_rus, by=coordinator)
    group.refresh_from_db()
    assert group.leader == colleague
    # The new leader joins; the old one stays a member until removed.
    members = set(group.members.active().values_list("user_id", flat=True))
    assert {coordinator.pk, colleague.pk} <= members
    assert AuditEvent.objects.filter(
        action="update", object_id=str(group.pk), detail__contains="ansvarsgruppen"
    ).exists()
    # The old leader may now be removed; the new one may not.
    old = group.members.active().get(user=coordinator)
    msvc.group_member_remove(member=old, actor=Actor(colleague, vadso_rus))
    new = group.members.active().get(user=colleague)
    with pytest.raises(ValidationError):
        msvc.group_member_remove(member=new, actor=Actor(colleague, vadso_rus))


def test_starting_a_plan_makes_its_creator_koordinator_and_leader(
    patient, coordinator, colleague, vadso_rus
):
    group = group_of(patient, colleague, vadso_rus)
    assert group.leader == colleague
    from pathways.plan import services as psvc
    from tests.pathways.plan.setup import record_plan_consent

    record_plan_consent(patient, coordinator, vadso_rus)
    today = timezone.localdate()
    psvc.plan_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        owner_unit=vadso_rus,
        period_start=today,
        next_revision_on=today + datetime.timedelta(days=100),
    )
    group.refresh_from_db()
    assert group.leader == coordinator


def test_the_meeting_pages_show_the_koordinator_as_leader(
    login, shared_patient, coordinator, colleague, vadso_rus
):
    group = group_of(shared_patient, coordinator, vadso_rus)
    meeting = msvc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=timezone.now() + datetime.timedelta(days=5),
        place="Vadsø rådhus",
    )
    colleague.first_name, colleague.last_name = "Kåre", "Koordinator"
    colleague.save()
    appoint(shared_patient, colleague, vadso_rus, by=coordinator)
    client = login(coordinator)
    for url in (
        reverse("pathways:meeting_detail", args=[shared_patient.pk, meeting.pk]),
        reverse("pathways:meetings", args=[shared_patient.pk]),
        reverse("pathways:patient_overview", args=[shared_patient.pk]),
    ):
        text = strip_tags(client.get(url).content.decode())
        assert "Kåre Koordinator (koordinator)" in text, url


# --- discharge notices go to the koordinator --------------------------------------------------


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, send=False)


def test_without_a_koordinator_the_kommune_units_users_are_told(
    episode, tsb_clinician, unn_tsb, coordinator, colleague
):
    dsvc.admission_message_send(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    told = set(
        Notification.objects.filter(kind="discharge_admission").values_list("user_id", flat=True)
    )
    assert {coordinator.pk, colleague.pk} <= told


def test_with_a_koordinator_the_notices_go_to_the_koordinator(
    episode, tsb_clinician, unn_tsb, coordinator, colleague, leader, vadso_rus
):
    appoint(episode.patient, colleague, vadso_rus, by=coordinator)
    dsvc.admission_message_send(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    make_ready(episode, tsb_clinician, unn_tsb)
    for kind in ("discharge_admission", "discharge_planning_meeting", "discharge_ready"):
        told = list(Notification.objects.filter(kind=kind).values_list("user_id", flat=True))
        assert told == [colleague.pk], kind
    # The messages themselves still go to the kommune unit.
    assert episode.messages.filter(to_unit=vadso_rus).count() == 2


def test_an_unplanned_discharge_alerts_the_koordinator_at_once(
    episode, tsb_clinician, unn_tsb, coordinator, colleague, vadso_rus
):
    appoint(episode.patient, colleague, vadso_rus, by=coordinator)
    dsvc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    alert = Notification.objects.get(kind="discharge_unplanned")
    assert alert.user == colleague and alert.urgent


def test_a_no_show_alerts_the_koordinator(
    episode, tsb_clinician, unn_tsb, coordinator, colleague, leader, vadso_rus
):
    appoint(episode.patient, colleague, vadso_rus, by=coordinator)
    dsvc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    appointment = dsvc.follow_up_add(
        episode=episode,
        actor=Actor(coordinator, vadso_rus),
        at=timezone.now() - datetime.timedelta(hours=2),
        with_whom="Kari, ruskonsulent",
    )
    dsvc.follow_up_record(
        appointment=appointment, actor=Actor(coordinator, vadso_rus), attended=False
    )
    told = list(
        Notification.objects.filter(kind="discharge_no_show").values_list("user_id", flat=True)
    )
    assert told == [colleague.pk]


def test_the_first_appointment_reminder_goes_to_the_koordinator(
    episode, tsb_clinician, unn_tsb, coordinator, colleague, vadso_rus
):
    appoint(episode.patient, colleague, vadso_rus, by=coordinator)
    dsvc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    reminders.sweep(rules=["discharge_no_first_appointment"])
    told = list(
        Notification.objects.filter(kind="discharge_no_first_appointment").values_list(
            "user_id", flat=True
        )
    )
    assert told == [colleague.pk]


def test_the_unsigned_plan_reminder_reaches_the_treating_unit_and_the_koordinator(
    shared_patient, tsb_clinician, unn_tsb, coordinator, colleague, vadso_rus
):
    episode = admit(shared_patient, tsb_clinician, unn_tsb, planned=3)
    appoint(shared_patient, colleague, vadso_rus, by=coordinator)
    reminders.sweep(rules=["discharge_unprepared"])
    told = set(
        Notification.objects.filter(
            kind="discharge_unprepared", reminder__stage="unsigned"
        ).values_list("user_id", flat=True)
    )
    assert told == {tsb_clinician.pk, colleague.pk}
    assert Notification.objects.filter(patient=episode.patient, user=colleague).exists()
