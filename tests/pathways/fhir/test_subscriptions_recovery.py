"""Subscriptions when things go wrong: changes save while the broker (Redis) is unreachable and
are sent once it is back; the back-off doubles up to its cap; a subscription given up on
(``error``) keeps gathering its events, and the client that sets it back to ``active`` gets
them all, in order, once."""

import datetime
import json
import socket
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from config.celery import app
from pathways.fhir.subscriptions import delivery
from pathways.fhir.subscriptions.tasks import subscriptions_sweep
from pathways.models import Subscription, SubscriptionChange, SubscriptionEvent
from referrals import services as referrals
from tests.pathways.fhir.subscribing import WRITE
from tests.pathways.fhir.test_subscriptions_delivery import receiver, subscribe  # noqa: F401
from tests.pathways.plan.setup import add_goal, start_plan
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_changes_save_while_the_broker_is_down_and_are_sent_once_it_is_back(
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
    vadso_system,
    patient,
    coordinator,
    vadso_rus,
    unn_intake,
):
    tasks = subscribe(vadso_system, receiver.url)
    plans = subscribe(vadso_system, receiver.url, criteria="CarePlan")
    # A real broker URL (not the eager test mode) pointing where nothing answers.
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{closed_port()}/0")
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
        with django_capture_on_commit_callbacks(execute=True):
            plan = start_plan(patient, coordinator, vadso_rus)
        with django_capture_on_commit_callbacks(execute=True):
            add_goal(plan, coordinator, vadso_rus, is_main=True)
        # Saved, without an error, without waiting on the broker's connection retries.
        assert time.monotonic() - started < 5
    finally:
        app.conf.update(task_always_eager=eager, broker_url=broker)
    assert receiver.received == []
    # The changes wait in the outbox for the sweep.
    waiting = set(SubscriptionChange.objects.values_list("resource_type", "resource_id"))
    assert waiting == {("Task", referral.pk), ("CarePlan", plan.pk)}

    # The broker is back: the beat sweep (run here as the worker would) sends them.
    assert subscriptions_sweep() == 2
    base = delivery.base_url()
    assert sorted(receiver.events()) == [
        (1, f"{base}CarePlan/{plan.pk}"),
        (1, f"{base}Task/{referral.pk}"),
    ]
    assert not SubscriptionChange.objects.exists()
    assert not SubscriptionEvent.objects.filter(
        subscription__in=[tasks, plans], delivered_at__isnull=True
    ).exists()
    # Nothing more on the next sweep.
    assert subscriptions_sweep() == 0 and len(receiver.received) == 2


def test_the_back_off_doubles_up_to_an_hour(
    receiver,  # noqa: F811
    settings,
    vadso_system,
    patient,
    coordinator,
    vadso_rus,
    unn_intake,
):
    settings.FHIR_SUBSCRIPTION_RETRY_SECONDS = 30
    settings.FHIR_SUBSCRIPTION_ERROR_AFTER_HOURS = 24
    subscription = subscribe(vadso_system, receiver.url)
    send_referral(patient, coordinator, vadso_rus, unn_intake)
    delivery.fan_out_all()
    receiver.status = 503
    delays = []
    for _ in range(10):
        before = timezone.now()
        assert delivery.deliver(subscription.pk) == -1
        subscription.refresh_from_db()
        delays.append(round((subscription.next_attempt_at - before).total_seconds()))
        assert delivery.retry_in(subscription.pk) == pytest.approx(delays[-1], abs=2)
        # The wait is over (as if the time had passed).
        Subscription.objects.filter(pk=subscription.pk).update(
            next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert subscription.failures == 10 and subscription.status == "active"
    assert receiver.received == []


def put(client, token, subscription, body):
    return client.put(
        reverse("fhir:subscription", kwargs={"pk": str(subscription.pk)}),
        json.dumps(body),
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_subscription_set_back_to_active_gets_what_was_kept_in_order_once(
    receiver,  # noqa: F811
    settings,
    client,
    token_for,
    vadso_system,
    patient,
    coordinator,
    vadso_rus,
    unn_intake,
    unn_tsb,
    tsb_intake,
):
    settings.FHIR_SUBSCRIPTION_ERROR_AFTER_HOURS = 24
    subscription = subscribe(vadso_system, receiver.url)
    receiver.status = 500
    sent = [send_referral(patient, coordinator, vadso_rus, unn_intake)]
    Subscription.objects.filter(pk=subscription.pk).update(
        failures=12, failing_since=timezone.now() - datetime.timedelta(hours=25)
    )
    delivery.fan_out_all()
    assert delivery.deliver(subscription.pk) == -1
    subscription.refresh_from_db()
    assert subscription.status == "error"

    # Given up on, it is not tried, but what changes meanwhile is kept for it.
    receiver.status = 200
    sent.append(send_referral(patient, coordinator, vadso_rus, unn_tsb))
    referrals.referral_reject(referral=sent[0], actor=Actor(tsb_intake, unn_intake), reason="Nei.")
    assert subscriptions_sweep() == 0 and receiver.received == []
    kept = SubscriptionEvent.objects.filter(subscription=subscription, delivered_at__isnull=True)
    assert kept.count() == 3

    token = token_for(vadso_system, scope=WRITE)
    read = client.get(
        reverse("fhir:subscription", kwargs={"pk": str(subscription.pk)}),
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert read["status"] == "error"
    # Only the status may change: another endpoint is refused, and nothing is sent.
    moved = {
        **read,
        "status": "active",
        "channel": {**read["channel"], "endpoint": "https://x.test/"},
    }
    refused = put(client, token, subscription, moved)
    assert refused.status_code == 400, refused.content
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert put(client, token, subscription, {**read, "status": "off"}).status_code == 400
    subscription.refresh_from_db()
    assert subscription.status == "error"

    # The client reads it back, sets the status and sends it back (R4 update).
    answer = put(client, token, subscription, {**read, "status": "active"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "active" and "error" not in answer.json()
    subscription.refresh_from_db()
    assert (subscription.failures, subscription.failing_since, subscription.error) == (0, None, "")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, detail__contains="active again"
    ).exists()

    assert subscriptions_sweep() == 1
    base = delivery.base_url()
    expected = [f"{base}Task/{r.pk}" for r in (sent[0], sent[1], sent[0])]
    assert receiver.events() == list(zip(range(1, 4), expected, strict=True))
    # Once: nothing again on the next sweep, nor on a second PUT.
    assert put(client, token, subscription, {**read, "status": "active"}).status_code == 200
    assert subscriptions_sweep() == 0 and len(receiver.events()) == 3


def test_another_clients_subscription_cannot_be_set_back(
    receiver,  # noqa: F811
    client,
    token_for,
    vadso_system,
    unn_system,
):
    subscription = subscribe(vadso_system, receiver.url)
    Subscription.objects.filter(pk=subscription.pk).update(status=Subscription.Status.ERROR)
    token = token_for(unn_system, scope=WRITE)
    body = {"resourceType": "Subscription", "status": "active", "criteria": "Task"}
    assert put(client, token, subscription, body).status_code == 404
    read_only = token_for(vadso_system, scope="system/*.read")
    assert put(client, read_only, subscription, body).status_code == 403
    subscription.refresh_from_db()
    assert subscription.status == "error"
