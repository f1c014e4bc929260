"""The counts the header and the list read, kept by PostgreSQL triggers (migration 0030):
they must agree with counting the rows after every kind of write."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from pathways.models import Notification, NotificationVersion
from pathways.notifications import reminders, selectors
from pathways.notifications import services as service

pytestmark = pytest.mark.django_db


def notify(user, patient, n=1):
    return [
        note
        for _ in range(n)
        for note in reminders.notify(
            users=[user], kind="consent_expiring", title="Samtykke", url="", patient=patient
        )
    ]


def kept(user):
    row = NotificationVersion.objects.filter(user=user).first()
    return (row.total, row.unread) if row else (0, 0)


def counted(user):
    notes = Notification.objects.filter(user=user)
    return (notes.count(), notes.filter(read_at__isnull=True).count())


def test_the_counts_follow_every_kind_of_write(coordinator, colleague, patient):
    notes = notify(coordinator, patient, n=4) + notify(colleague, patient, n=2)
    assert kept(coordinator) == counted(coordinator) == (4, 4)
    service.notification_mark_read(user=coordinator, notification_id=notes[0].pk)
    assert kept(coordinator) == counted(coordinator) == (4, 3)
    # A bulk write over two users' rows counts each user's part.
    Notification.objects.update(read_at=timezone.now())
    assert kept(coordinator) == counted(coordinator) == (4, 0)
    assert kept(colleague) == counted(colleague) == (2, 0)
    Notification.objects.filter(pk=notes[1].pk).update(read_at=None)
    Notification.objects.filter(pk__in=[notes[1].pk, notes[2].pk]).delete()
    assert kept(coordinator) == counted(coordinator) == (2, 0)
    Notification.objects.bulk_create(
        [Notification(user=coordinator, kind="x", title="y") for _ in range(3)]
    )
    assert kept(coordinator) == counted(coordinator) == (5, 3)
    assert service.notifications_mark_all_read(user=coordinator) == 3
    assert kept(coordinator) == counted(coordinator) == (5, 0)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks left pending
        cursor.execute("TRUNCATE pathways_notification")
    assert kept(coordinator) == (0, 0) and kept(colleague) == (0, 0)


def test_the_header_count_is_the_kept_one(coordinator, patient):
    assert selectors.unread(coordinator.pk) == 0  # no row yet: nothing had come
    notify(coordinator, patient, n=3)
    assert selectors.unread(coordinator.pk) == 3


def test_a_user_with_notifications_can_be_deleted(coordinator, colleague, patient):
    # The version row may go before the notifications: the delete must not bring it back.
    notify(colleague, patient, n=2)
    notify(coordinator, patient)
    get_user_model().objects.filter(pk=colleague.pk).delete()
    assert not NotificationVersion.objects.filter(user_id=colleague.pk).exists()
    assert kept(coordinator) == (1, 1)
