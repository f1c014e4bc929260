"""Reminders: meetings two days ahead, action items due tomorrow and overdue; each sent once."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.acting import Actor
from pathways.meetings import services as svc
from pathways.models import ActionItem, Notification
from pathways.notifications.reminders import sweep
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at

pytestmark = pytest.mark.django_db


def test_a_meeting_in_two_days_reminds_participants_once(
    group, coordinator, vadso_rus, tsb_clinician, django_capture_on_commit_callbacks
):
    meeting = svc.meeting_plan(
        group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(2), place="Rådhuset"
    )
    mail.outbox.clear()
    now = meeting.starts_at - datetime.timedelta(days=1, hours=20)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(now, rules=["meeting_soon"]) == 1
        assert sweep(now, rules=["meeting_soon"]) == 0
    assert Notification.objects.filter(user=tsb_clinician, kind="meeting_soon").count() == 1
    # The external with an email gets one reminder by email; the patient without none.
    assert [m.to for m in mail.outbox] == [["nina.nav@example.no"]]


def test_a_meeting_a_week_away_is_not_reminded_yet(planned):
    assert sweep(timezone.now(), rules=["meeting_soon"]) == 0


def test_an_action_item_due_tomorrow_reminds_the_responsible(published, tsb_clinician):
    item = published.action_items.get(responsible_user=tsb_clinician)
    ActionItem.objects.filter(pk=item.pk).update(
        due_date=timezone.localdate() + datetime.timedelta(days=1)
    )
    assert sweep(rules=["action_item_due"]) == 1
    assert sweep(rules=["action_item_due"]) == 0
    note = Notification.objects.get(kind="action_item_due")
    assert note.user == tsb_clinician and "Sende epikrise" in note.title


def test_overdue_items_chase_weekly_and_externals_go_to_the_leader(
    published, tsb_clinician, coordinator
):
    today = timezone.localdate()
    published.action_items.update(due_date=today - datetime.timedelta(days=1))
    assert sweep(rules=["action_item_overdue"]) == 2
    assert sweep(rules=["action_item_overdue"]) == 0
    users = set(
        Notification.objects.filter(kind="action_item_overdue").values_list("user", flat=True)
    )
    assert users == {tsb_clinician.pk, coordinator.pk}
    next_week = timezone.now() + datetime.timedelta(days=7)
    assert sweep(next_week, rules=["action_item_overdue"]) == 2


def test_done_items_are_not_chased(published, tsb_clinician, unn_tsb):
    published.action_items.update(due_date=timezone.localdate() - datetime.timedelta(days=3))
    for item in published.action_items.all():
        svc.action_item_done(item=item, actor=Actor(tsb_clinician, unn_tsb))
    assert sweep(rules=["action_item_overdue"]) == 0
