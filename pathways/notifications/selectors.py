"""Reads of a user's notifications that every page may need."""

from django.db import connection
from django.db.models import Count

from config.prepared import prepared
from pathways.models import Notification, NotificationVersion


@prepared
def _counts(user_id):
    return NotificationVersion.objects.filter(user_id=user_id).only("generation", "total", "unread")


def counts(user_id) -> NotificationVersion | None:
    """The user's version row (generation, total, unread), kept by the triggers of
    migrations 0026 and 0030; None for a user who has had no notification since."""
    kept = _counts(user_id=user_id)
    return kept[0] if kept else None


@prepared
def _unread_counted(user_id):
    # One grouped row (none when nothing is unread): a queryset, so its SQL is made once.
    return (
        Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


def unread(user_id) -> int:
    """How many of the user's notifications are unread: one primary-key read on PostgreSQL;
    the embedded demo's SQLite has no triggers, so there it is counted."""
    if connection.vendor != "postgresql":
        return sum(_unread_counted(user_id=user_id))
    kept = counts(user_id)
    return kept.unread if kept else 0
