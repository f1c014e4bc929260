"""Delivering notifications, in this process, to a real HTTP endpoint: signed, valid R4, once,
in order, only about patients the client sees, and backed off while the endpoint fails."""

import datetime
import hashlib
import hmac

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.fhir.subscriptions import delivery, services
from pathways.fhir.subscriptions import resource as sub_resource
from pathways.models import CareTeamMember, Subscription, SubscriptionChange, SubscriptionEvent
from pathways.patients.services.careteam import care_team_end
from referrals import services as referrals
from referrals.models import Referral
from tests.factories import make_patient
from tests.pathways.fhir.receiver import Receiver
from tests.pathways.plan.setup import add_goal, start_plan
from tests.referrals.conftest import referral_data, send_referral

pytestmark = pytest.mark.django_db

SECRET = "k" * 40


@pytest.fixture
def receiver(settings):
    settings.FHIR_SUBSCRIPTION_ALLOW_HTTP = True
    settings.FHIR_SUBSCRIPTION_RETRY_SECONDS = 30
    with Receiver() as running:
        yield running


def subscribe(client, url, criteria="Task", patient=None, statuses=()):
    resource_type = criteria.partition("?")[0]
    return services.subscription_create(
        client=client,
        request=sub_resource.Request(
            resource_type=resource_type,
            criteria=criteria,
            patient_id=patient.pk if patient else None,
            statuses=list(statuses),
            reason="test",
            endpoint=url,
            headers=["Authorization: Bearer mottakers-token"],
            secret=SECRET,
            end=None,
        ),
    )


def run(subscription) -> int:
    delivery.fan_out_all()
    return delivery.deliver(subscription.pk)


def test_a_change_is_posted_once_as_a_signed_valid_id_only_notification(
    receiver, vadso_system, patient, coordinator, vadso_rus, unn_intake
):
    subscription = subscribe(vadso_system, receiver.url)
    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    assert SubscriptionChange.objects.count() == 1

    assert run(subscription) == 1
    assert run(subscription) == 0  # nothing twice
    (got,) = receiver.received
    headers, body = got["headers"], got["body"]
    stamp, mac = (part.split("=", 1)[1] for part in headers["X-Samhandling-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert headers["Authorization"] == "Bearer mottakers-token"
    assert headers["Content-Type"].startswith("application/fhir+json")
    assert headers["X-Samhandling-Events"] == f"{subscription.pk}:1"

    (bundle,) = receiver.bundles()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "history"
    status = bundle["entry"][0]["resource"]
    assert status["resourceType"] == "Parameters"
    params = {p["name"]: p for p in status["parameter"]}
    assert params["type"]["valueCode"] == "event-notification"
    assert params["subscription"]["valueReference"]["reference"].endswith(
        f"/fhir/R4/Subscription/{subscription.pk}"
    )
    assert receiver.events() == [(1, delivery.base_url() + f"Task/{referral.pk}")]
    # id-only: the resource is named, its content is read through the API.
    assert "resource" not in bundle["entry"][1]
    assert bundle["entry"][1]["fullUrl"].endswith(f"/fhir/R4/Task/{referral.pk}")

    event = SubscriptionEvent.objects.get()
    assert event.delivered_at is not None and event.event_number == 1
    disclosed = AuditEvent.objects.get(user=vadso_system.account, action="export")
    assert disclosed.patient_id == patient.pk
    assert disclosed.object_id == f"Task/{referral.pk}#1"
    assert f"Subscription/{subscription.pk}" in disclosed.detail


def test_only_changes_of_patients_the_client_sees_are_sent(
    receiver,
    vadso_system,
    stranger_system,
    patient,
    coordinator,
    vadso_rus,
    unn_intake,
    sarpsborg_rus,
    other_kommune_user,
):
    mine = subscribe(vadso_system, receiver.url)
    plans = subscribe(vadso_system, receiver.url, "CarePlan")
    strangers = subscribe(stranger_system, receiver.url)
    elsewhere = make_patient(sarpsborg_rus, by=other_kommune_user)
    second = make_patient(vadso_rus, by=coordinator)
    only_second = subscribe(vadso_system, receiver.url, "Task?patient=1", patient=second)

    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    send_referral(elsewhere, other_kommune_user, sarpsborg_rus, unn_intake)
    plan = start_plan(patient, coordinator, vadso_rus)
    delivery.fan_out_all()

    def focus(subscription):
        return list(
            SubscriptionEvent.objects.filter(subscription=subscription).values_list(
                "resource_type", "resource_id"
            )
        )

    assert focus(mine) == [("Task", referral.pk)]
    assert focus(plans) == [("CarePlan", plan.pk)]
    assert focus(strangers) == []
    assert focus(only_second) == []  # filtered on another of Vadsø's patients
    assert not SubscriptionChange.objects.exists()
    for subscription in (mine, plans, strangers, only_second):
        delivery.deliver(subscription.pk)
    assert sorted(ref.rpartition("/R4/")[2] for _n, ref in receiver.events()) == sorted(
        [f"Task/{referral.pk}", f"CarePlan/{plan.pk}"]
    )


def test_status_criteria_and_drafts(
    receiver, vadso_system, patient, coordinator, vadso_rus, unn_intake, tsb_intake
):
    rejected = subscribe(vadso_system, receiver.url, "Task?status=rejected", statuses=["rejected"])
    draft = referrals.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(),
        send=False,
    )
    assert not SubscriptionChange.objects.exists()  # a draft is nobody's news
    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    delivery.fan_out_all()
    assert not SubscriptionEvent.objects.exists()  # received: not rejected
    referrals.referral_reject(
        referral=referral, actor=Actor(tsb_intake, unn_intake), reason="Ikke aktuelt nå."
    )
    assert run(rejected) == 1
    assert receiver.events() == [(1, delivery.base_url() + f"Task/{referral.pk}")]
    assert draft.pk != referral.pk


def test_a_failing_endpoint_is_backed_off_then_gets_everything_once_in_order(
    receiver, vadso_system, patient, coordinator, vadso_rus, unn_intake, unn_tsb, tsb_intake
):
    subscription = subscribe(vadso_system, receiver.url)
    receiver.status = 503
    sent = []
    for unit in (unn_intake, unn_tsb):
        sent.append(send_referral(patient, coordinator, vadso_rus, unit).pk)
        delivery.fan_out_all()
    assert delivery.deliver(subscription.pk) == -1
    subscription.refresh_from_db()
    assert subscription.failures == 1 and subscription.error == "HTTP 503"
    assert subscription.next_attempt_at > timezone.now() + datetime.timedelta(seconds=25)
    assert SubscriptionEvent.objects.filter(delivered_at__isnull=True).count() == 2

    # Backing off: the endpoint is left alone, and the app carries on recording changes.
    receiver.status = 200
    assert delivery.deliver(subscription.pk) == 0 and receiver.received == []
    first = Referral.objects.get(pk=sent[0])
    referrals.referral_reject(referral=first, actor=Actor(tsb_intake, unn_intake), reason="Nei.")
    sent.append(first.pk)
    delivery.fan_out_all()
    assert delivery.due_subscription_ids() == []

    Subscription.objects.filter(pk=subscription.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert delivery.due_subscription_ids() == [subscription.pk]
    assert delivery.deliver(subscription.pk) == 3
    base = delivery.base_url()
    assert receiver.events() == [(n, f"{base}Task/{pk}") for n, pk in enumerate(sent, start=1)]
    subscription.refresh_from_db()
    assert (subscription.failures, subscription.error, subscription.next_attempt_at) == (
        0,
        "",
        None,
    )


def test_an_endpoint_failing_for_a_day_sets_the_subscription_to_error_keeping_its_events(
    receiver, settings, vadso_system, patient, coordinator, vadso_rus, unn_intake
):
    settings.FHIR_SUBSCRIPTION_ERROR_AFTER_HOURS = 24
    subscription = subscribe(vadso_system, receiver.url)
    receiver.status = 500
    send_referral(patient, coordinator, vadso_rus, unn_intake)
    Subscription.objects.filter(pk=subscription.pk).update(
        failures=12, failing_since=timezone.now() - datetime.timedelta(hours=25)
    )
    assert run(subscription) == -1
    subscription.refresh_from_db()
    assert subscription.status == "error" and subscription.failures == 13
    assert SubscriptionEvent.objects.filter(delivered_at__isnull=True).count() == 1
    assert delivery.due_subscription_ids() == []


def test_a_deleted_subscription_gets_nothing_more(
    receiver, vadso_system, patient, coordinator, vadso_rus, unn_intake
):
    subscription = subscribe(vadso_system, receiver.url)
    services.subscription_delete(client=vadso_system, subscription=subscription)
    send_referral(patient, coordinator, vadso_rus, unn_intake)
    assert run(subscription) == 0
    assert receiver.received == [] and not SubscriptionEvent.objects.exists()


def test_a_redirect_is_not_followed(receiver, vadso_system):
    subscription = subscribe(vadso_system, receiver.url)
    receiver.status = 302
    with pytest.raises(delivery.DeliveryFailed, match="HTTP 302"):
        delivery.post(subscription, b"{}", [])


def test_a_client_whose_units_leave_the_care_team_hears_nothing_more(
    receiver, unn_system, shared_patient, coordinator, vadso_rus
):
    subscription = subscribe(unn_system, receiver.url, "CarePlan")
    plan = start_plan(shared_patient, coordinator, vadso_rus)
    delivery.fan_out_all()
    assert SubscriptionEvent.objects.filter(subscription=subscription).count() == 1

    member = CareTeamMember.objects.get(
        patient=shared_patient, unit__organisation__name="UNN HF", ended_at__isnull=True
    )
    care_team_end(member=member, actor=Actor(coordinator, vadso_rus), reason="Avsluttet")
    add_goal(plan, coordinator, vadso_rus)
    assert SubscriptionChange.objects.filter(resource_id=plan.pk).exists()
    delivery.fan_out_all()
    assert SubscriptionEvent.objects.filter(subscription=subscription).count() == 1
    assert delivery.deliver(subscription.pk) == 1
    assert receiver.events() == [(1, f"{delivery.base_url()}CarePlan/{plan.pk}")]


def test_celery_beat_runs_the_sweep_and_the_worker_knows_the_tasks(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["fhir-subscriptions"]
    assert entry["task"] == "pathways.fhir_subscriptions_sweep"
    assert {"pathways.fhir_subscriptions_sweep", "pathways.fhir_subscription_deliver"} <= set(
        app.tasks
    )
