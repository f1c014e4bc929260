"""X-Request-ID: kept only from a trusted proxy and only when well formed."""

import re

import pytest

pytestmark = pytest.mark.django_db
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def request_id(client, given, remote="127.0.0.1"):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given, REMOTE_ADDR=remote)
    return response["X-Request-ID"]


def test_without_a_trusted_proxy_the_id_is_always_made_here(client, settings):
    settings.TRUSTED_PROXY_IPS = []
    got = request_id(client, "abc-123")
    assert got != "abc-123" and UUID.fullmatch(got)


def test_a_trusted_proxy_passes_a_well_formed_id(client, settings):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.0/8", "192.0.2.7"]
    assert request_id(client, "abc-123", remote="10.1.2.3") == "abc-123"
    assert request_id(client, "A" * 36, remote="192.0.2.7") == "A" * 36


@pytest.mark.parametrize(
    "given", ["", "A" * 37, "abc 123", "abc_123", "<script>", "ø", "a\\nb", "1;DROP"]
)
def test_a_malformed_id_is_replaced_even_from_the_proxy(client, settings, given):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.0/8"]
    got = request_id(client, given, remote="10.1.2.3")
    assert got != given and UUID.fullmatch(got)


def test_an_id_from_elsewhere_is_replaced(client, settings):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.0/8"]
    got = request_id(client, "abc-123", remote="203.0.113.9")
    assert got != "abc-123" and UUID.fullmatch(got)


def test_the_id_reaches_the_audit_log(login, coordinator, patient, settings):
    from accounts.models import AuditEvent

    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]
    client = login(coordinator)
    client.get(f"/pasienter/{patient.pk}/", HTTP_X_REQUEST_ID="proxy-id-1")
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="view").get().request_id == (
        "proxy-id-1"
    )
