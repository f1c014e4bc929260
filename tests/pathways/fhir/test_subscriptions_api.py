"""Subscribing through the API: a client creates, reads, lists and deletes its own R4
Subscriptions; what it sends is checked against the R4 definition and our limits."""

import pytest
from django.urls import reverse
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.subscription import Subscription as R4Subscription

from accounts.models import AuditEvent
from pathways.models import Subscription
from tests.pathways.fhir.subscribing import SIGNING_SECRET, WRITE, post_subscription, subscription

pytestmark = pytest.mark.django_db

HOOK = "https://epj.vadso.test/fhir-hook"


@pytest.fixture(autouse=True)
def _https_only(settings):
    settings.FHIR_SUBSCRIPTION_ALLOW_HTTP = False


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_client_subscribes_and_reads_its_subscription_back_without_the_secret(
    client, token_for, vadso_system, shared_patient
):
    token = token_for(vadso_system, scope=WRITE)
    body = subscription(HOOK, f"Task?patient=Patient/{shared_patient.pk}&status=accepted,rejected")
    response = post_subscription(client, token, body)
    assert response.status_code == 201, response.content
    created = response.json()
    R4Subscription.model_validate(created)
    assert created["status"] == "active"
    assert response["Location"].endswith(f"/fhir/R4/Subscription/{created['id']}")
    assert SIGNING_SECRET not in response.content.decode()
    assert created["channel"]["header"] == ["Authorization: ***"]
    stored = Subscription.objects.get(pk=created["id"])
    assert (stored.resource_type, stored.patient_id, stored.statuses) == (
        "Task",
        shared_patient.pk,
        ["accepted", "rejected"],
    )
    assert stored.secret == SIGNING_SECRET
    assert AuditEvent.objects.filter(
        user=vadso_system.account, action="create", object_id=str(stored.pk)
    ).exists()

    read = client.get(response["Location"], headers=auth(token))
    assert read.status_code == 200
    assert read.json()["criteria"] == body["criteria"]
    listed = client.get(reverse("fhir:subscriptions"), headers=auth(token)).json()
    assert [e["resource"]["id"] for e in listed["entry"]] == [created["id"]]


def test_another_client_cannot_see_or_delete_it_and_its_owner_can(
    client, token_for, vadso_system, unn_system
):
    created = post_subscription(client, token_for(vadso_system, scope=WRITE), subscription(HOOK))
    url = created["Location"]
    other = auth(token_for(unn_system, scope=WRITE))
    assert client.get(url, headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert "entry" not in client.get(reverse("fhir:subscriptions"), headers=other).json()

    mine = auth(token_for(vadso_system, scope=WRITE))
    assert client.delete(url, headers=mine).status_code == 204
    assert client.get(url, headers=mine).status_code == 404
    gone = Subscription.objects.get()
    assert gone.status == "off" and gone.deleted_at is not None


def test_subscribing_needs_the_write_scope(client, token_for, vadso_system):
    response = post_subscription(client, token_for(vadso_system), subscription(HOOK))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert not Subscription.objects.exists()
    no_token = client.post(reverse("fhir:subscriptions"), "{}", content_type="application/json")
    assert no_token.status_code == 401


def _without(body, *path):
    node = body
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return body


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (_without(subscription(HOOK), "reason"), "reason"),
        (subscription(HOOK, status="bogus"), "status"),
        (subscription(HOOK, status="off"), "requested"),
        (subscription(HOOK, "Patient?name=Ola"), "CarePlan, Task"),
        (subscription(HOOK, "Task?owner=Organization/1"), ": owner"),
        (subscription(HOOK, "Task?status=unknown"), "accepted, cancelled"),
        (subscription("http://epj.vadso.test/hook"), "https"),
        (subscription("ftp://epj.vadso.test/hook"), "https"),
        (subscription(HOOK, extension=[]), "(secret)"),
        (subscription(HOOK, end="2020-01-01T00:00:00+01:00"), "(end)"),
    ],
)
def test_a_subscription_that_is_not_valid_is_refused_with_an_operation_outcome(
    client, token_for, vadso_system, body, says
):
    response = post_subscription(client, token_for(vadso_system, scope=WRITE), body)
    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert says in outcome["issue"][0]["diagnostics"]
    assert not Subscription.objects.exists()


def test_channel_and_header_rules(client, token_for, vadso_system):
    token = token_for(vadso_system, scope=WRITE)
    email = subscription(HOOK)
    email["channel"]["type"] = "email"
    bad_header = subscription(HOOK)
    bad_header["channel"]["header"] = ["Host: evil.test"]
    full = subscription(HOOK)
    full["channel"]["_payload"] = {
        "extension": [
            {
                "url": "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/"
                "backport-payload-content",
                "valueCode": "full-resource",
            }
        ]
    }
    for body in (email, bad_header, full):
        assert post_subscription(client, token, body).status_code == 400
    assert post_subscription(client, token, "not json").status_code == 400


def test_a_patient_the_client_does_not_see_is_refused_like_one_that_does_not_exist(
    client, token_for, stranger_system, shared_patient
):
    token = token_for(stranger_system, scope=WRITE)
    criteria = f"Task?patient={shared_patient.pk}"
    hidden = post_subscription(client, token, subscription(HOOK, criteria))
    missing = post_subscription(client, token, subscription(HOOK, "Task?patient=999999"))
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()


def test_the_capability_statement_offers_subscriptions(client):
    statement = client.get(reverse("fhir:metadata")).json()
    CapabilityStatement.model_validate(statement)
    (rest,) = statement["rest"]
    entry = next(r for r in rest["resource"] if r["type"] == "Subscription")
    assert {i["code"] for i in entry["interaction"]} == {
        "create",
        "read",
        "update",
        "delete",
        "search-type",
    }
    assert "system/Subscription.write" in rest["security"]["description"]
