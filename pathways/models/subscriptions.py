from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.models.fhir import ApiClient


class Subscription(models.Model):
    """An API client's R4 Subscription (rest-hook) to changes of Task or CarePlan.

    Only the client that made it sees it. Deleting it keeps the row (``deleted_at``) so the
    events already delivered keep their subscription; it then answers as missing.
    """

    class Status(models.TextChoices):
        # R4's codes: "requested" is never kept, a new subscription is active at once.
        ACTIVE = "active", _("active")
        ERROR = "error", _("error")
        OFF = "off", _("off")

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="subscriptions")
    resource_type = models.CharField(max_length=20)
    criteria = models.CharField(max_length=500)
    # The criteria's filters: one patient (or any the client sees), FHIR status codes (or any).
    patient_id = models.BigIntegerField(null=True, blank=True)
    statuses = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=500)
    endpoint = models.URLField(max_length=500)
    headers = models.JSONField(default=list, blank=True)
    # The key the notifications are signed with (HMAC-SHA256); never shown again.
    secret = models.CharField(max_length=200)
    end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    error = models.CharField(max_length=500, blank=True)
    # Event numbers handed out so far (R5 backport: events-since-subscription-start).
    events_numbered = models.BigIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["resource_type"],
                condition=Q(deleted_at__isnull=True),
                name="pathways_sub_live_type",
            )
        ]

    def __str__(self):
        return f"Subscription {self.pk} ({self.criteria})"


class SubscriptionChange(models.Model):
    """The outbox: a Task or CarePlan changed, written in the transaction of the change.

    One row per resource per transaction (``txid``). The fan-out turns it into one
    ``SubscriptionEvent`` per subscription that may see it and deletes it, in one
    transaction, so a change is fanned out once and never lost.
    """

    resource_type = models.CharField(max_length=20)
    resource_id = models.BigIntegerField()
    patient_id = models.BigIntegerField()
    # The resource's FHIR status after the change (criteria with ``status=``).
    status = models.CharField(max_length=30, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    txid = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "resource_id", "txid"], name="pathways_subchange_once"
            )
        ]

    def __str__(self):
        return f"{self.resource_type}/{self.resource_id} changed"


class SubscriptionEvent(models.Model):
    """One notification due to one subscription, and whether it has been delivered.

    ``event_number`` is given by the worker before the first attempt and never changes, so
    a receiver that got a notification twice (the worker died before it could record the
    delivery) sees the same number and drops the copy.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    resource_type = models.CharField(max_length=20)
    resource_id = models.BigIntegerField()
    patient_id = models.BigIntegerField()
    changed_at = models.DateTimeField()
    event_number = models.BigIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["subscription", "id"],
                condition=Q(delivered_at__isnull=True),
                name="pathways_subevent_pending",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_number"], name="pathways_subevent_number_once"
            )
        ]

    def __str__(self):
        return f"{self.resource_type}/{self.resource_id} #{self.event_number}"
