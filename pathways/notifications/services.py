"""Notifications by email: urgent ones at once, the rest in a daily digest at 07:00 Oslo time.

Mail never leaves from a web request: the ON_NOTIFIED hook (``tasks.queue_urgent_email``)
queues a task after commit and a broker outage is only logged, because the sweep picks unsent
urgent mail up again. This module never imports the tasks. Each
notification is claimed for mail with a conditional update of ``emailed_at``, so two workers
never send the same mail; a failed send gives the claim back for the next attempt.
Mail is built from the notification's kind, a reference and a link to the notification
(``kinds.label_for``); the title and body stay in the app, so no name, national id or health
information reaches an email, whatever a caller puts in a title.
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pathways.models import Notification, NotificationPreference
from pathways.notifications.kinds import label_for

log = logging.getLogger(__name__)
OSLO = ZoneInfo("Europe/Oslo")


# Preferences ----------------------------------------------------------------------------


def preference_for(user) -> NotificationPreference:
    """The user's settings; an unsaved row with the defaults when they never chose."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


@transaction.atomic
def preferences_update(*, user, email_enabled: bool, digest_enabled: bool):
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={"email_enabled": bool(email_enabled), "digest_enabled": bool(digest_enabled)},
    )
    return pref


# In-app state ---------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int) -> bool:
    return bool(
        Notification.objects.filter(pk=notification_id, user=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# Selecting what to mail -----------------------------------------------------------------


def _email_off():
    return Exists(
        NotificationPreference.objects.filter(user_id=OuterRef("user_id"), email_enabled=False)
    )


def mailable(queryset: QuerySet, *, now) -> QuerySet:
    """Unread, unmailed, recent notifications of active users with an address and mail on."""
    since = now - timedelta(hours=settings.NOTIFICATION_EMAIL_RETRY_HOURS)
    return (
        queryset.filter(
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__gte=since,
            created_at__lte=now,
            user__is_active=True,
        )
        .exclude(user__email="")
        .exclude(_email_off())
    )


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + (path or "/varsler/")


def reference(notification) -> str:
    return f"V-{notification.pk}"


def open_link(notification) -> str:
    """The notification's own page, which checks access and forwards; never its target URL."""
    return absolute_url(f"/varsler/{notification.pk}/")


def urgent_text(note) -> tuple[str, str]:
    """Subject and body of an urgent mail: the kind's label and a reference, nothing else."""
    subject = _("Samhandling: urgent notification (ref. %(ref)s)") % {"ref": reference(note)}
    body = render_to_string(
        "pathways/notifications/email_urgent.txt",
        {
            "label": label_for(note.kind),
            "ref": reference(note),
            "link": open_link(note),
            "list_link": absolute_url("/varsler/"),
            "settings_link": absolute_url("/varsler/innstillinger/"),
        },
    )
    return subject, body


# Urgent mail ----------------------------------------------------------------------------


def _send(subject: str, body: str, to: str, connection=None) -> None:
    EmailMessage(subject=subject, body=body, to=[to], connection=connection).send()


URGENT_CHUNK = 10_000


def send_urgent(ids: list[int], *, now=None) -> int:
    """Mail each urgent notification once; return how many went out.

    The notifications are claimed together (one conditional update), then mailed one by one
    over one connection; a mail that fails gives its own claim back for the next attempt."""
    now = now or timezone.now()
    if len(ids) > URGENT_CHUNK:
        # A query may carry at most 65,535 parameters (server-side binding): a backlog of
        # urgent mail after a long outage goes out a chunk at a time.
        return sum(
            send_urgent(ids[start : start + URGENT_CHUNK], now=now)
            for start in range(0, len(ids), URGENT_CHUNK)
        )
    candidates = mailable(Notification.objects.filter(pk__in=ids, urgent=True), now=now)
    candidate_ids = list(candidates.values_list("pk", flat=True))
    if not candidate_ids:
        return 0
    stamp = timezone.now()
    # Another worker may be claiming some of them right now: lock what is still unclaimed,
    # passing over rows it holds, and stamp those. Ours are exactly the ids locked here (two
    # workers may well read the same clock, so the stamp alone cannot tell them apart).
    with transaction.atomic():
        mine = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=candidate_ids, emailed_at__isnull=True)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=mine).update(emailed_at=stamp)
    if not mine:
        return 0
    claimed = Notification.objects.filter(pk__in=mine, emailed_at=stamp).select_related("user")
    sent = 0
    connection = get_connection()
    try:
        # A chunk at a time: a sweep can claim thousands for one recipient.
        for note in claimed.order_by("pk").iterator(chunk_size=200):
            try:
                with translation.override(settings.LANGUAGE_CODE):
                    subject, body = urgent_text(note)
                _send(subject, body, note.user.email, connection)
            except Exception:
                Notification.objects.filter(pk=note.pk, emailed_at=stamp).update(emailed_at=None)
                log.exception(
                    "Urgent mail for notification %s failed; it will be retried.", note.pk
                )
                continue
            sent += 1
    finally:
        connection.close()
    return sent


def email_pending_urgent(*, now=None) -> int:
    """Urgent mail not sent yet (queue lost, Redis down, SMTP error): send it now."""
    now = now or timezone.now()
    ids = list(
        mailable(Notification.objects.filter(urgent=True), now=now).values_list("pk", flat=True)
    )
    return send_urgent(ids, now=now) if ids else 0


# Daily digest ---------------------------------------------------------------------------


def digest_day(now) -> datetime.date:
    return timezone.localtime(now, OSLO).date()


def digest_is_due(now) -> bool:
    return timezone.localtime(now, OSLO).hour >= settings.DIGEST_HOUR


def _digest_pending(now) -> QuerySet:
    return mailable(Notification.objects.filter(urgent=False), now=now).exclude(
        Exists(
            NotificationPreference.objects.filter(user_id=OuterRef("user_id"), digest_enabled=False)
        )
    )


def digest_groups(notes) -> list[tuple[str, list]]:
    """Notifications grouped by kind under a readable heading, groups in order of first entry."""
    groups: dict[str, list] = defaultdict(list)
    for note in sorted(notes, key=lambda n: (n.created_at, n.pk)):
        groups[note.kind].append(note)
    return [(label_for(kind), items) for kind, items in groups.items()]


def digest_send_due(*, now=None) -> int:
    """From 07:00 Oslo time: one digest per user per day with what is pending. Digests sent."""
    now = now or timezone.now()
    if not digest_is_due(now):
        return 0
    user_ids = list(_digest_pending(now).values_list("user_id", flat=True).distinct())
    return sum(digest_send_for(user_id, now=now) for user_id in user_ids)


def digest_send_for(user_id: int, *, now) -> int:
    today = digest_day(now)
    # get_or_create re-reads the row when a concurrent run created it first.
    pref, _created = NotificationPreference.objects.get_or_create(user_id=user_id)
    previous = pref.last_digest_on
    # Claim today's digest for this user: only one process wins the update.
    claimed = (
        NotificationPreference.objects.filter(pk=pref.pk, email_enabled=True, digest_enabled=True)
        .filter(Q(last_digest_on__isnull=True) | Q(last_digest_on__lt=today))
        .update(last_digest_on=today)
    )
    if not claimed:
        return 0
    stamp = timezone.now()
    _digest_pending(now).filter(user_id=user_id).update(emailed_at=stamp)
    # Only what the digest's lines show (a reference and a link per notification, grouped by
    # kind): a busy user's day can be thousands of notifications.
    notes = list(
        Notification.objects.filter(user_id=user_id, urgent=False, emailed_at=stamp).only(
            "pk", "kind", "created_at"
        )
    )
    if not notes:
        return 0
    try:
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = digest_text(notes, today)
        _send(subject, body, pref.user.email)
    except Exception:
        Notification.objects.filter(pk__in=[n.pk for n in notes], emailed_at=stamp).update(
            emailed_at=None
        )
        NotificationPreference.objects.filter(pk=pref.pk, last_digest_on=today).update(
            last_digest_on=previous
        )
        log.exception("Digest for user %s failed; it will be retried.", user_id)
        return 0
    return 1


def digest_text(notes, day) -> tuple[str, str]:
    """Subject and body of a digest: per kind a heading, then references and links only."""
    subject = ngettext(
        "Samhandling: daily summary %(day)s (%(count)s notification)",
        "Samhandling: daily summary %(day)s (%(count)s notifications)",
        len(notes),
    ) % {"day": day.strftime("%d.%m.%Y"), "count": len(notes)}
    body = render_to_string(
        "pathways/notifications/email_digest.txt",
        {
            "groups": [
                (heading, [(reference(n), open_link(n)) for n in items])
                for heading, items in digest_groups(notes)
            ],
            "count": len(notes),
            "list_link": absolute_url("/varsler/"),
            "settings_link": absolute_url("/varsler/innstillinger/"),
        },
    )
    return subject, body
