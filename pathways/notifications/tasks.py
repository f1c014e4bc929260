"""Celery tasks: thin wrappers that take ids and call the services. Safe to run twice."""

from celery import shared_task

from pathways.notifications import reminders
from pathways.notifications import services as notifications


@shared_task(name="pathways.reminder_sweep", soft_time_limit=540, time_limit=600)
def reminder_sweep() -> int:
    """Every 10 minutes (beat): reminders due, expired consent, mail still pending."""
    return reminders.run_periodic()


@shared_task(name="pathways.send_urgent_email", soft_time_limit=60, time_limit=90)
def send_urgent_email(notification_ids: list[int]) -> int:
    return notifications.send_urgent(notification_ids)


@shared_task(name="pathways.daily_digest", soft_time_limit=540, time_limit=600)
def daily_digest() -> int:
    """07:00 Europe/Oslo (beat); the sweep catches up a digest this task missed."""
    return notifications.digest_send_due()
