"""The outbox: a row per changed Task or CarePlan, written in the changing transaction.

A feature says which of its models make up a resource with ``watch(model, resource_type,
describe)``; ``describe(instance) -> (resource id, patient id, FHIR status)``, or None to
stay silent. Every save of
such a model then writes (or, later in the same transaction, refreshes) one
``SubscriptionChange`` row per resource per transaction: if the change is rolled back, so is
the row; if it commits, the row is there for the worker. Model signals are used, not calls in
each service, so that no path that saves the model (the web forms, the transaction import,
the jobs) can forget it. After commit, the fan-out is queued; when Redis is down the
periodic job picks the rows up.
"""

import logging
import random
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from pathways.models import SubscriptionChange

log = logging.getLogger(__name__)

# The resource types that can be subscribed to (resource type -> ``describe``).
WATCHED: dict[str, Callable] = {}
# Called after the commit of a transaction that recorded changes (the Celery hook).
ON_CHANGED: list[Callable[[], None]] = []

_UPSERT = """
    INSERT INTO pathways_subscriptionchange
        (resource_type, resource_id, patient_id, status, changed_at, txid)
    VALUES (%s, %s, %s, %s, %s, txid_current())
    ON CONFLICT (resource_type, resource_id, txid)
    DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
"""


def watch(model, resource_type: str, describe: Callable) -> None:
    """Record a change of ``resource_type`` whenever ``model`` is saved."""

    def receiver(sender, instance, raw=False, **kwargs):
        if raw:  # fixtures being loaded
            return
        described = describe(instance)
        if described is not None:  # None: not a resource anyone is told about (a draft)
            record_change(resource_type, *described)

    WATCHED[resource_type] = describe
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"fhirsub:{model._meta}")


def record_change(resource_type: str, resource_id: int, patient_id: int, status: str) -> None:
    now = timezone.now()
    if connection.vendor == "postgresql":
        # One row per resource per transaction: a service that saves a plan three times
        # makes one notification, carrying the state the transaction ends in.
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, [resource_type, resource_id, patient_id, status or "", now])
    else:  # the SQLite demo: no transaction id to share, one row per save
        SubscriptionChange.objects.create(
            resource_type=resource_type,
            resource_id=resource_id,
            patient_id=patient_id,
            status=status or "",
            changed_at=now,
            txid=random.getrandbits(62),
        )
    _after_commit()


def queue_after_commit() -> None:
    """Run the ``ON_CHANGED`` hooks after the commit (something became due to be sent)."""
    _after_commit()


def _after_commit() -> None:
    # Once per transaction, however many rows it wrote.
    if any(entry[1] is _changed for entry in connection.run_on_commit):
        return
    transaction.on_commit(_changed)


def _changed() -> None:
    for hook in ON_CHANGED:
        try:
            hook()
        except Exception:
            log.warning("Could not queue the subscription fan-out; the sweep will.", exc_info=True)
