"""Fan-out and delivery, in the Celery worker, never in a web request.

Fan-out: change rows are claimed with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction,
turned into one event per live subscription of that type whose client sees the patient (the
grants ``pathways.access`` reads, as they are when the change is fanned out, right after its
commit) and deleted. Two workers never take the same row; a worker that dies rolls back.

Delivery, per subscription: the subscription row is taken with ``FOR NO KEY UPDATE SKIP
LOCKED`` (one worker per subscription, and the web requests that add events, which only
take a key-share lock on it, never wait). Pending events get their event numbers in a short
transaction of their own; then, in one transaction, the oldest are posted as one signed
Bundle and marked delivered before the commit. A failed post leaves them pending and backs
the subscription off (doubling, up to an hour); failing for longer than
``FHIR_SUBSCRIPTION_ERROR_AFTER_HOURS`` sets it to ``error``: no more attempts, but its events
are kept and still fanned out to it, until the client sets it back to ``active`` (then all are
sent, in order) or deletes it. A worker killed during the
post rolls back: the events are posted again with the same numbers, for the receiver to drop.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from accounts.acting import Actor
from pathways.access import organisations_seeing
from pathways.fhir import codes
from pathways.fhir.subscriptions import resource as sub_resource
from pathways.models import Subscription, SubscriptionChange, SubscriptionEvent

log = logging.getLogger(__name__)

FAN_OUT_BATCH = 500
DELIVERY_BATCH = 50
MAX_BACKOFF_SECONDS = 3600
USER_AGENT = "Samhandling-FHIR-Subscriptions/1"


class DeliveryFailed(Exception):
    pass


def live(queryset=None):
    """Subscriptions that are delivered to: on, not ended, their client active."""
    queryset = queryset if queryset is not None else Subscription.objects.all()
    return queryset.filter(
        deleted_at__isnull=True, status=Subscription.Status.ACTIVE, client__is_active=True
    ).filter(Q(end__isnull=True) | Q(end__gt=timezone.now()))


def receiving(queryset=None):
    """Subscriptions that changes are fanned out to: the live ones and those in ``error``.
    A subscription given up on keeps collecting its events, so that a client that sets it
    back to ``active`` (``services.subscription_reactivate``) loses no change."""
    queryset = queryset if queryset is not None else Subscription.objects.all()
    return queryset.filter(
        deleted_at__isnull=True,
        status__in=(Subscription.Status.ACTIVE, Subscription.Status.ERROR),
        client__is_active=True,
    ).filter(Q(end__isnull=True) | Q(end__gt=timezone.now()))


# Fan-out ---------------------------------------------------------------------------------


def fan_out(limit: int = FAN_OUT_BATCH) -> int:
    """One batch of change rows into events; the number of change rows taken."""
    with transaction.atomic():
        changes = list(
            SubscriptionChange.objects.select_for_update(skip_locked=True).order_by("pk")[:limit]
        )
        if not changes:
            return 0
        types = {c.resource_type for c in changes}
        subscriptions = list(
            receiving(Subscription.objects.filter(resource_type__in=types)).select_related("client")
        )
        seeing = organisations_seeing(
            {c.patient_id for c in changes}, {s.client.organisation_id for s in subscriptions}
        )
        events = [
            SubscriptionEvent(
                subscription=s,
                resource_type=c.resource_type,
                resource_id=c.resource_id,
                patient_id=c.patient_id,
                changed_at=c.changed_at,
            )
            for c in changes
            for s in subscriptions
            if _matches(s, c) and (s.client.organisation_id, c.patient_id) in seeing
        ]
        SubscriptionEvent.objects.bulk_create(events)
        SubscriptionChange.objects.filter(pk__in=[c.pk for c in changes]).delete()
    return len(changes)


def _matches(subscription, change) -> bool:
    return (
        subscription.resource_type == change.resource_type
        and subscription.patient_id in (None, change.patient_id)
        and (not subscription.statuses or change.status in subscription.statuses)
    )


def fan_out_all() -> int:
    total = 0
    while taken := fan_out():
        total += taken
    return total


def due_subscription_ids(now=None) -> list[int]:
    """Live subscriptions with pending events, not backing off."""
    now = now or timezone.now()
    return list(
        live()
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(events__delivered_at__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
    )


# Delivery --------------------------------------------------------------------------------


def _take(subscription_id: int):
    """The subscription if it is due and no other worker holds it (inside a transaction)."""
    now = timezone.now()
    return (
        live(Subscription.objects.filter(pk=subscription_id))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_for_update(skip_locked=True, no_key=True, of=("self",))
        .select_related("client__account")
        .first()
    )


def _number(subscription_id: int) -> None:
    """Give pending events without a number the next ones, in the order they were made."""
    with transaction.atomic():
        subscription = _take(subscription_id)
        if subscription is None:
            return
        fresh = list(
            subscription.events.filter(
                delivered_at__isnull=True, event_number__isnull=True
            ).order_by("pk")
        )
        if not fresh:
            return
        for offset, event in enumerate(fresh, start=1):
            event.event_number = subscription.events_numbered + offset
        SubscriptionEvent.objects.bulk_update(fresh, ["event_number"], batch_size=500)
        Subscription.objects.filter(pk=subscription.pk).update(
            events_numbered=subscription.events_numbered + len(fresh)
        )


def deliver(subscription_id: int, *, budget_seconds: float = 60) -> int:
    """Post the subscription's pending events, oldest first, in Bundles of up to
    ``DELIVERY_BATCH``; the number delivered, or -1 when a post failed (it stops there)."""
    delivered = 0
    started = time.monotonic()
    while time.monotonic() - started < budget_seconds:
        _number(subscription_id)
        sent = _deliver_batch(subscription_id)
        if sent < 0:
            return -1
        if sent == 0:
            break
        delivered += sent
    return delivered


def _deliver_batch(subscription_id: int) -> int:
    """One Bundle; >0 delivered, 0 nothing to do, -1 failed."""
    with transaction.atomic():
        subscription = _take(subscription_id)
        if subscription is None:
            return 0
        events = list(
            subscription.events.filter(delivered_at__isnull=True, event_number__isnull=False)
            .select_for_update()
            .order_by("event_number")[:DELIVERY_BATCH]
        )
        if not events:
            return 0
        body = json.dumps(notification(subscription, events), ensure_ascii=False).encode()
        try:
            post(subscription, body, events)
        except DeliveryFailed as exc:
            _back_off(subscription, str(exc))
            return -1
        now = timezone.now()
        SubscriptionEvent.objects.filter(pk__in=[e.pk for e in events]).update(delivered_at=now)
        Subscription.objects.filter(pk=subscription.pk).update(
            failures=0, failing_since=None, next_attempt_at=None, error="", last_delivered_at=now
        )
        _audit(subscription, events)
    return len(events)


def _back_off(subscription, reason: str) -> None:
    now = timezone.now()
    failures = subscription.failures + 1
    failing_since = subscription.failing_since or now
    delay = min(settings.FHIR_SUBSCRIPTION_RETRY_SECONDS * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
    fields = {
        "failures": failures,
        "failing_since": failing_since,
        "next_attempt_at": now + timedelta(seconds=delay),
        "error": reason[:500],
    }
    if now - failing_since >= timedelta(hours=settings.FHIR_SUBSCRIPTION_ERROR_AFTER_HOURS):
        # Given up on: no more attempts. Its events stay pending and new ones still gather
        # (``receiving``); the client sees "error" when it reads it, and setting it back to
        # "active" (PUT) has everything pending sent, in order.
        fields["status"] = Subscription.Status.ERROR
    Subscription.objects.filter(pk=subscription.pk).update(**fields)
    log.warning(
        "Subscription %s: delivery failed (%s); attempt %s, next in %s s.",
        subscription.pk,
        reason,
        failures,
        delay,
    )


def retry_in(subscription_id: int) -> float | None:
    """Seconds until the subscription's next attempt, if it is backing off."""
    when = (
        Subscription.objects.filter(pk=subscription_id, status=Subscription.Status.ACTIVE)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if when is None:
        return None
    return max((when - timezone.now()).total_seconds(), 0.0)


def _audit(subscription, events) -> None:
    """Each notification names a patient's resource to a system: a disclosure, logged under
    the client's account like its reads, in one INSERT."""
    detail = (
        f"FHIR {subscription.client.client_id}: notification, Subscription/{subscription.pk} "
        f"-> {subscription.endpoint}"
    )
    audit.record_reads(
        Actor(subscription.client.account),
        [
            (
                e.patient_id,
                "fhir.notification",
                f"{e.resource_type}/{e.resource_id}#{e.event_number}",
            )
            for e in events
        ],
        detail=detail,
        action=audit.Action.EXPORT,
    )


# The notification ------------------------------------------------------------------------


def base_url() -> str:
    return settings.SITE_URL.rstrip("/") + "/fhir/R4/"


def notification(subscription, events) -> dict:
    """An id-only event-notification Bundle (R4 shape of the Subscriptions Backport IG)."""
    base = base_url()
    subscription_url = f"{base}Subscription/{subscription.pk}"
    status = {
        "resourceType": "Parameters",
        "id": str(uuid.uuid4()),
        "meta": {"profile": [sub_resource.STATUS_PROFILE]},
        "parameter": [
            {"name": "subscription", "valueReference": {"reference": subscription_url}},
            {
                "name": "topic",
                "valueCanonical": f"{sub_resource.TOPIC}/{subscription.resource_type}",
            },
            {"name": "status", "valueCode": "active"},
            {"name": "type", "valueCode": "event-notification"},
            {
                "name": "events-since-subscription-start",
                "valueString": str(events[-1].event_number),
            },
            *(
                {
                    "name": "notification-event",
                    "part": [
                        {"name": "event-number", "valueString": str(e.event_number)},
                        {"name": "timestamp", "valueInstant": codes.instant(e.changed_at)},
                        {
                            "name": "focus",
                            "valueReference": {
                                "reference": f"{base}{e.resource_type}/{e.resource_id}"
                            },
                        },
                    ],
                }
                for e in events
            ),
        ],
    }
    entries = [
        {
            "fullUrl": f"urn:uuid:{status['id']}",
            "resource": status,
            "request": {"method": "GET", "url": f"{subscription_url}/$status"},
            "response": {"status": "200"},
        }
    ]
    seen = set()
    for e in events:
        key = (e.resource_type, e.resource_id)
        if key in seen:
            continue
        seen.add(key)
        entries.append(
            {
                "fullUrl": f"{base}{e.resource_type}/{e.resource_id}",
                "request": {"method": "PUT", "url": f"{e.resource_type}/{e.resource_id}"},
                "response": {"status": "200"},
            }
        )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "history",
        "timestamp": codes.instant(timezone.now()),
        "entry": entries,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``: the time is signed too, so
    a receiver can refuse an old notification played back to it."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post(subscription, body: bytes, events) -> None:
    headers = {}
    for header in subscription.headers:
        name, _sep, value = header.partition(":")
        headers[name.strip()] = value.strip()
    headers.update(
        {
            "Content-Type": "application/fhir+json; charset=utf-8",
            "User-Agent": USER_AGENT,
            sub_resource.SIGNATURE_HEADER: signature(subscription.secret, int(time.time()), body),
            sub_resource.EVENT_HEADER: f"{subscription.pk}:"
            + ",".join(str(e.event_number) for e in events),
        }
    )
    request = urllib.request.Request(  # noqa: S310 (scheme checked when subscribing)
        subscription.endpoint, data=body, headers=headers, method="POST"
    )
    try:
        with _opener().open(request, timeout=settings.FHIR_SUBSCRIPTION_TIMEOUT_SECONDS) as answer:
            answer.read(65536)
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(type(exc).__name__ + (f": {exc}" if str(exc) else "")) from exc
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could carry the notification and its headers to an address nobody agreed to.
    def redirect_request(self, *args, **kwargs):
        return None


def _opener():
    return urllib.request.build_opener(_NoRedirects)
