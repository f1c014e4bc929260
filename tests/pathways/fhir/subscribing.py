"""Helpers for the subscription tests: a valid Subscription and a client that posts it."""

import json

from django.urls import reverse

from pathways.fhir.subscriptions.resource import SECRET

SIGNING_SECRET = "s" * 16 + "-a-long-shared-signing-secret"
WRITE = "system/*.read system/Subscription.write"


def subscription(endpoint, criteria="Task", **extra):
    body = {
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "Vis svar på henvisninger i journalen",
        "criteria": criteria,
        "extension": [{"url": SECRET, "valueString": SIGNING_SECRET}],
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            "header": ["Authorization: Bearer mottakers-token"],
        },
    }
    body.update(extra)
    return body


def post_subscription(client, token, body):
    return client.post(
        reverse("fhir:subscriptions"),
        json.dumps(body),
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token}"},
    )
