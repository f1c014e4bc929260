"""Subscription delivery across real processes: a Celery worker fed through Redis posting to
a real HTTP endpoint that is down for a while, and a worker killed (SIGKILL) in the middle of
a post, after which celery beat's sweep delivers what was left, with the same event numbers.

These tests commit (transactional tests), so the worker sees the data.
"""

import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from accounts.acting import Actor
from pathways.fhir.subscriptions import delivery
from pathways.models import Subscription, SubscriptionEvent
from referrals import services as referrals
from tests.pathways.fhir.receiver import Receiver
from tests.pathways.fhir.test_subscriptions_delivery import subscribe
from tests.pathways.notifications.test_reminder_processes import (
    ROOT,
    live_broker,
    process_env,
    procs,  # noqa: F401 - the fixture that stops the processes a test started
    wait_for,
)
from tests.referrals.conftest import send_referral

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.FHIR_SUBSCRIPTION_ALLOW_HTTP = True
    with Receiver() as running:
        yield running


def start(procs, tmp_path, name: str, *args) -> subprocess.Popen:  # noqa: F811
    env = process_env(tmp_path, settings.REDIS_URL)
    env.update(
        FHIR_SUBSCRIPTION_RETRY_SECONDS="1",
        FHIR_SUBSCRIPTION_TIMEOUT_SECONDS="10",
        FHIR_SUBSCRIPTION_SWEEP_SECONDS="1",
    )
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    procs.append(proc)
    return proc


def start_worker(procs, tmp_path, name):  # noqa: F811
    return start(
        procs,
        tmp_path,
        name,
        "worker",
        "--pool=solo",  # the delivery runs in this very process: kill -9 hits it mid-post
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}-{time.monotonic_ns()}@%h",
    )


def delivered() -> int:
    return SubscriptionEvent.objects.filter(delivered_at__isnull=False).count()


def test_an_endpoint_down_for_a_while_gets_every_change_once_in_order_when_it_is_back(
    tmp_path,
    procs,  # noqa: F811
    receiver,
    vadso_system,
    patient,
    coordinator,
    vadso_rus,
    unn_intake,
    unn_tsb,
    tsb_intake,
):
    subscription = subscribe(vadso_system, receiver.url)
    receiver.status = 503
    with live_broker(settings.REDIS_URL):
        start_worker(procs, tmp_path, "subs-down")
        first = send_referral(patient, coordinator, vadso_rus, unn_intake)
        second = send_referral(patient, coordinator, vadso_rus, unn_tsb)
        referrals.referral_reject(referral=first, actor=Actor(tsb_intake, unn_intake), reason="Nei")
        wait_for(
            lambda: Subscription.objects.get(pk=subscription.pk).failures >= 3,
            what="three failed attempts",
        )
        assert delivered() == 0 and receiver.received == []
        receiver.status = 200
        wait_for(lambda: delivered() == 3, what="every event delivered")
    base = delivery.base_url()
    expected = [
        (1, f"{base}Task/{first.pk}"),
        (2, f"{base}Task/{second.pk}"),
        (3, f"{base}Task/{first.pk}"),
    ]
    assert receiver.events() == expected
    subscription.refresh_from_db()
    assert subscription.failures == 0 and subscription.status == "active"


def test_a_worker_killed_mid_post_loses_nothing_and_resends_with_the_same_event_numbers(
    tmp_path,
    procs,  # noqa: F811
    receiver,
    vadso_system,
    patient,
    coordinator,
    vadso_rus,
    unn_intake,
    unn_tsb,
    tsb_intake,
):
    subscribe(vadso_system, receiver.url)
    receiver.delay = 30  # the worker waits for the answer; it is killed meanwhile
    with live_broker(settings.REDIS_URL):
        worker = start_worker(procs, tmp_path, "subs-killed")
        first = send_referral(patient, coordinator, vadso_rus, unn_intake)
        assert receiver.arrived.wait(90), "the first notification never arrived"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        receiver.delay = 0
        in_flight = receiver.events()
        assert in_flight == [(1, f"{delivery.base_url()}Task/{first.pk}")]
        # Nothing was recorded as delivered: the transaction died with the worker.
        wait_for(lambda: delivered() == 0 and SubscriptionEvent.objects.count() == 1)

        # Changes go on while no worker runs; their queued sweeps wait in Redis.
        second = send_referral(patient, coordinator, vadso_rus, unn_tsb)
        referrals.referral_reject(referral=first, actor=Actor(tsb_intake, unn_intake), reason="Nei")

        start_worker(procs, tmp_path, "subs-restarted")
        start(procs, tmp_path, "subs-beat", "beat", "-s", str(tmp_path / "beat-schedule"))
        wait_for(lambda: delivered() == 3, what="every event delivered")
        time.sleep(2)  # a few more sweeps: nothing more may arrive

    base = delivery.base_url()
    expected = [
        (1, f"{base}Task/{first.pk}"),
        (2, f"{base}Task/{second.pk}"),
        (3, f"{base}Task/{first.pk}"),
    ]
    got = receiver.events()
    # The post the worker died in came again, with the same number: the receiver drops it.
    assert got == in_flight + expected
    numbers = list(
        SubscriptionEvent.objects.order_by("event_number").values_list("event_number", flat=True)
    )
    assert numbers == [1, 2, 3]
    assert SubscriptionEvent.objects.filter(delivered_at__isnull=True).count() == 0
