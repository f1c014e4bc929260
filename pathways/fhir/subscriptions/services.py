"""Creating and deleting subscriptions: the client's own changes, audited under its account."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.acting import Actor
from pathways.access import client_patient_q
from pathways.fhir.subscriptions.changes import queue_after_commit
from pathways.fhir.subscriptions.resource import Invalid, Request
from pathways.models import Patient, Subscription


def subscriptions_of(client):
    """The client's own subscriptions, not deleted."""
    return Subscription.objects.filter(client=client, deleted_at__isnull=True)


@transaction.atomic
def subscription_create(*, client, request: Request) -> Subscription:
    if request.patient_id is not None and not (
        Patient.objects.filter(pk=request.patient_id).filter(client_patient_q(client)).exists()
    ):
        # The same answer for a patient that does not exist and one the client may not see.
        raise Invalid(_("The criteria's patient is not one of yours."))
    subscription = Subscription.objects.create(
        client=client,
        resource_type=request.resource_type,
        criteria=request.criteria,
        patient_id=request.patient_id,
        statuses=request.statuses,
        reason=request.reason,
        endpoint=request.endpoint,
        headers=request.headers,
        secret=request.secret,
        end=request.end,
        status=Subscription.Status.ACTIVE,
    )
    audit.record_by(
        Actor(client.account),
        audit.Action.CREATE,
        patient=request.patient_id,
        obj=subscription,
        basis=audit.Basis.SYSTEM,
        detail=f"FHIR {client.client_id}: Subscription {request.criteria} -> {request.endpoint}",
    )
    return subscription


@transaction.atomic
def subscription_delete(*, client, subscription: Subscription) -> None:
    """Off at once: nothing more is delivered, what is pending is dropped with it."""
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.OFF, deleted_at=timezone.now()
    )
    audit.record_by(
        Actor(client.account),
        audit.Action.DELETE,
        patient=subscription.patient_id,
        obj=subscription,
        basis=audit.Basis.SYSTEM,
        detail=f"FHIR {client.client_id}: Subscription {subscription.criteria}",
    )


@transaction.atomic
def subscription_reactivate(*, client, subscription: Subscription) -> Subscription:
    """The client sets its subscription back to ``active`` (an R4 update of ``status``): the
    back-off starts afresh and every event kept while it was in ``error`` is sent, in the
    order of the changes, with the numbers it has or the next ones."""
    stored = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if stored.status == Subscription.Status.ACTIVE:
        return stored
    Subscription.objects.filter(pk=stored.pk).update(
        status=Subscription.Status.ACTIVE,
        failures=0,
        failing_since=None,
        next_attempt_at=None,
        error="",
    )
    audit.record_by(
        Actor(client.account),
        audit.Action.UPDATE,
        patient=stored.patient_id,
        obj=stored,
        basis=audit.Basis.SYSTEM,
        detail=f"FHIR {client.client_id}: Subscription {stored.criteria} active again",
    )
    queue_after_commit()
    stored.refresh_from_db()
    return stored
