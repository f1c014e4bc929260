"""Celery tasks of the subscriptions: thin, take ids, safe to run twice or at once.

``subscriptions_sweep`` runs from celery beat (``FHIR_SUBSCRIPTION_SWEEP_SECONDS``) and after
each commit that recorded a change: it fans the change rows out and queues one delivery task
per subscription with something due. A delivery that fails queues its own retry for when the
back-off ends; if that message is lost, the sweep finds the subscription due again.
"""

import logging

from celery import shared_task

from config.celery import app
from pathways.fhir.subscriptions import delivery
from pathways.notifications.tasks import broker_reachable

log = logging.getLogger(__name__)


@shared_task(name="pathways.fhir_subscriptions_sweep", soft_time_limit=240, time_limit=300)
def subscriptions_sweep() -> int:
    delivery.fan_out_all()
    due = delivery.due_subscription_ids()
    for subscription_id in due:
        deliver_subscription.apply_async(args=[subscription_id], retry=False)
    return len(due)


@shared_task(name="pathways.fhir_subscription_deliver", soft_time_limit=240, time_limit=300)
def deliver_subscription(subscription_id: int) -> int:
    sent = delivery.deliver(subscription_id, budget_seconds=120)
    # Only the task whose post failed queues the retry, so retries never multiply.
    wait = delivery.retry_in(subscription_id) if sent < 0 else None
    if wait is not None:
        deliver_subscription.apply_async(args=[subscription_id], countdown=wait + 0.5, retry=False)
    return sent


def queue_sweep() -> None:
    """After a commit that recorded changes (``changes.ON_CHANGED``); never raises, never
    waits on a broker that is down: the beat sweep catches up."""
    if app.conf.task_always_eager:
        # No broker (the SQLite demo): a request must not post to an endpoint itself.
        return
    if not broker_reachable():
        log.warning("The broker does not answer; subscription changes wait for the sweep.")
        return
    subscriptions_sweep.apply_async(retry=False)
