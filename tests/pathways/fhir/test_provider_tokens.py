"""Access tokens from a real OpenID provider process (npm oidc-provider, tests/oidc): the
record system authenticates with a signed JWT (private_key_jwt), gets a JWT access token by
client credentials for the API's audience, and calls the API with it; the API checks it
against the provider's keys fetched from its jwks_uri. Tokens for another audience, expired
or without the scope are refused."""

import time

import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.urls import reverse

from pathways.fhir import auth
from referrals.models import Referral
from tests.oidc_provider import FHIR_CLIENT, private_key_pem, start_provider
from tests.pathways.fhir.referral_bundle import referral_bundle
from tests.pathways.fhir.test_resources import validate

pytestmark = pytest.mark.django_db

API = "https://samhandling.test/fhir/R4"
SHORT_LIVED = "https://samhandling.test/fhir/R4/kort"
OTHER_API = "https://annet-system.test/api"
SCOPES = "system/*.read system/ServiceRequest.write system/Patient.read"


@pytest.fixture(scope="module")
def provider():
    started = start_provider(
        fhir_resources={
            API: {"audience": API, "scope": SCOPES},
            SHORT_LIVED: {"audience": API, "scope": SCOPES, "ttl": 1},
            OTHER_API: {"audience": OTHER_API, "scope": SCOPES},
        }
    )
    yield started
    started.stop()


@pytest.fixture
def issued_by_provider(fhir_settings, provider):
    fhir_settings.FHIR_TOKEN_ISSUER = provider.issuer
    fhir_settings.FHIR_TOKEN_AUDIENCE = API
    fhir_settings.FHIR_JWKS = ""
    fhir_settings.FHIR_JWKS_URL = f"{provider.issuer}/jwks"
    auth.KEYS.clear()
    return provider


def fetch_token(provider, *, resource=API, scope=SCOPES, key_pem=None) -> str:
    """Client credentials as a record system asks for them: a JWT signed with its own key."""
    endpoint = f"{provider.issuer}/token"
    with OAuth2Session(
        FHIR_CLIENT,
        key_pem or provider.fhir_key_pem,
        token_endpoint_auth_method=PrivateKeyJWT(endpoint),
    ) as client:
        token = client.fetch_token(
            endpoint, grant_type="client_credentials", scope=scope, resource=resource
        )
    assert token["token_type"].lower() == "bearer"
    return token["access_token"]


def get(client, token, kind="CarePlan"):
    return client.get(
        reverse("fhir:search", args=[kind]), headers={"Authorization": f"Bearer {token}"}
    )


def refused(response, status, error):
    assert response.status_code == status, response.content
    assert f'error="{error}"' in response["WWW-Authenticate"]
    validate(response.json())
    return response.json()["issue"][0]["diagnostics"]


def test_a_real_token_reads_and_sends_a_referral(
    client, issued_by_provider, vadso_system, vadso_rus, unn_intake
):
    assert vadso_system.client_id == FHIR_CLIENT
    token = fetch_token(issued_by_provider)
    response = get(client, token)
    assert response.status_code == 200, response.content
    validate(response.json())
    posted = client.post(
        reverse("fhir:base"),
        referral_bundle(vadso_rus, unn_intake),
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert posted.status_code == 200, posted.content
    assert Referral.objects.get().referring_unit == vadso_rus


def test_the_provider_refuses_a_client_signing_with_another_key(issued_by_provider):
    with pytest.raises(OAuthError) as refusal:
        fetch_token(issued_by_provider, key_pem=private_key_pem())
    assert refusal.value.error == "invalid_client"


def test_a_token_for_another_audience_is_refused(client, issued_by_provider, vadso_system):
    token = fetch_token(issued_by_provider, resource=OTHER_API)
    assert "ikke utstedt for dette API-et" in refused(get(client, token), 401, "invalid_token")


def test_an_expired_token_is_refused(client, issued_by_provider, vadso_system, monkeypatch):
    token = fetch_token(issued_by_provider, resource=SHORT_LIVED)
    assert get(client, token).status_code == 200
    # No clock-skew allowance, so the test need not wait it out.
    monkeypatch.setattr(auth, "LEEWAY_SECONDS", 0)
    time.sleep(2.1)
    assert "utløpt" in refused(get(client, token), 401, "invalid_token")


def test_a_token_without_the_scope_is_refused(
    client, issued_by_provider, vadso_system, vadso_rus, unn_intake
):
    token = fetch_token(issued_by_provider, scope="system/Patient.read")
    assert get(client, token, "Patient").status_code == 200
    refused(get(client, token), 403, "insufficient_scope")
    posted = client.post(
        reverse("fhir:base"),
        referral_bundle(vadso_rus, unn_intake),
        content_type="application/fhir+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "system/ServiceRequest.write" in refused(posted, 403, "insufficient_scope")
    assert not Referral.objects.exists()
