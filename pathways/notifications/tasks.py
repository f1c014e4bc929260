"""Celery tasks and what queues or schedules them. The tasks are thin wrappers that take ids
and call the services; each is safe to run twice.

``run_periodic()`` is what the beat task and ``manage.py reminder_sweep`` call: it runs the
jobs registered with ``@periodic(name)`` (due work such as ending access whose consent has run
out or after a rejected referral, completing a move between kommuner), then the reminder rules,
then sends mail that is still pending (urgent mail that could not be queued while Redis was
down, a digest the 07:00 task missed).
"""

import logging
import socket
from collections import defaultdict
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from config.celery import app
from pathways.models import Notification
from pathways.notifications import reminders
from pathways.notifications import services as mail
from pathways.portal import notices

log = logging.getLogger(__name__)


def run_periodic(now=None) -> int:
    """The scheduled sweep: the periodic jobs, the rules, then pending mail; returns the
    number of reminders made."""
    now = now or timezone.now()
    # Titles are stored as text: write them in the site's language, whoever runs the sweep.
    with translation.override(settings.LANGUAGE_CODE):
        reminders.run_jobs(now)
        sent = reminders.sweep(now)
        mail.email_pending_urgent(now=now)
        mail.digest_send_due(now=now)
    return sent


@shared_task(name="pathways.reminder_sweep", soft_time_limit=540, time_limit=600)
def reminder_sweep() -> int:
    """Every 10 minutes (beat): reminders due, expired consent, mail still pending."""
    return run_periodic()


@shared_task(name="pathways.send_urgent_email", soft_time_limit=60, time_limit=90)
def send_urgent_email(notification_ids: list[int]) -> int:
    return mail.send_urgent(notification_ids)


@shared_task(name="pathways.daily_digest", soft_time_limit=540, time_limit=600)
def daily_digest() -> int:
    """07:00 Europe/Oslo (beat); the sweep catches up a digest this task missed."""
    return mail.digest_send_due()


def broker_reachable(timeout: float = 0.5) -> bool:
    """A quick TCP probe of the Redis broker.

    The Redis client retries a refused connection with back-off (about three seconds, twice
    over through kombu); a request must not wait for that when Redis is down.
    """
    if app.conf.task_always_eager:
        return True
    url = urlsplit(app.conf.broker_url or "")
    if url.scheme not in ("redis", "rediss"):
        return True
    try:
        socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout).close()
    except OSError:
        return False
    return True


def queue_urgent_email(ids: list[int]) -> None:
    """ON_NOTIFIED hook (after commit): queue mail for the urgent ones, one task per
    recipient however many reminders a sweep made for them; never raise."""
    try:
        by_user: dict[int, list[int]] = defaultdict(list)
        for user_id, pk in Notification.objects.filter(pk__in=ids, urgent=True).values_list(
            "user_id", "pk"
        ):
            by_user[user_id].append(pk)
        if not by_user:
            return
        if not broker_reachable():
            raise ConnectionRefusedError("the broker does not answer")
        for urgent in by_user.values():
            # retry=False: a failing broker raises at once instead of holding up the caller.
            send_urgent_email.apply_async(args=[urgent], retry=False)
    except Exception:
        log.warning(
            "Could not queue urgent mail for notifications %s; the sweep will send it.",
            ids,
            exc_info=True,
        )


@shared_task(name="pathways.send_portal_notices", soft_time_limit=60, time_limit=90)
def send_portal_notices(patient_id: int, parts: list[str], skip_user_id: int | None) -> int:
    """The neutral notice to the patient and pårørende (``pathways.portal.notices``)."""
    return notices.send(patient_id, parts, skip_user_id)


def queue_portal_notices(patient_id: int, parts: list[str], skip_user_id: int | None) -> None:
    """``notices.QUEUE`` hook (after commit): queue the notice; never raise. With the broker
    down it is only logged: the notice is a nudge, and what is new waits in /min/."""
    try:
        if not broker_reachable():
            raise ConnectionRefusedError("the broker does not answer")
        send_portal_notices.apply_async(args=[patient_id, parts, skip_user_id], retry=False)
    except Exception:
        log.warning("Could not queue a Min plan notice for patient %s.", patient_id, exc_info=True)
