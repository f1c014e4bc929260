"""Who may call: real RS256 access tokens signed in the test, checked for signature,
issuer, audience, expiry and scope; the issuer's keys from settings or from a JWKS URL
served over real HTTP."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from pathways.fhir import auth
from pathways.fhir.registry import REGISTRY
from tests.pathways.fhir.conftest import AUDIENCE, ISSUER, make_token
from tests.pathways.fhir.test_resources import validate

pytestmark = pytest.mark.django_db


def call(client, token, path=None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(path or reverse("fhir:search", args=["CarePlan"]), headers=headers)


def refused(response, status, error):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    assert f'error="{error}"' in response["WWW-Authenticate"]
    body = response.json()
    validate(body)
    return body["issue"][0]["diagnostics"]


def test_a_valid_token_is_accepted(client, signing_key, vadso_system):
    assert call(client, make_token(signing_key, vadso_system.client_id)).status_code == 200


def test_no_token_or_another_scheme_is_refused(client, vadso_system):
    refused(call(client, None), 401, "invalid_token")
    response = client.get(
        reverse("fhir:search", args=["CarePlan"]), headers={"Authorization": "Basic dXNlcjpwdw=="}
    )
    refused(response, 401, "invalid_token")


def test_a_token_for_another_audience_is_refused(client, signing_key, vadso_system):
    token = make_token(signing_key, vadso_system.client_id, aud="another-api")
    assert "ikke utstedt for dette API-et" in refused(call(client, token), 401, "invalid_token")


def test_a_token_from_another_issuer_is_refused(client, signing_key, vadso_system):
    token = make_token(signing_key, vadso_system.client_id, iss="https://evil.test")
    refused(call(client, token), 401, "invalid_token")


def test_an_expired_token_is_refused(client, signing_key, vadso_system):
    past = int(time.time()) - 3600
    token = make_token(signing_key, vadso_system.client_id, iat=past - 300, exp=past)
    assert "utløpt" in refused(call(client, token), 401, "invalid_token")


def test_a_token_without_expiry_is_refused(client, signing_key, vadso_system):
    claims = {"iss": ISSUER, "aud": AUDIENCE, "client_id": vadso_system.client_id}
    claims["scope"] = "system/*.read"
    token = jwt.encode({"alg": "RS256", "kid": signing_key.kid}, claims, signing_key)
    refused(call(client, token), 401, "invalid_token")


def test_a_token_without_the_scope_is_refused(client, signing_key, vadso_system):
    token = make_token(signing_key, vadso_system.client_id, scope="system/Patient.read")
    refused(call(client, token), 403, "insufficient_scope")
    token = make_token(signing_key, vadso_system.client_id, scope="openid")
    refused(call(client, token), 403, "insufficient_scope")
    # The scope for one type is enough for that type, but not for what it would include.
    token = make_token(signing_key, vadso_system.client_id, scope="system/CarePlan.read")
    assert call(client, token).status_code == 200
    included = f"{reverse('fhir:search', args=['CarePlan'])}?_include=CarePlan:goal"
    refused(call(client, token, included), 403, "insufficient_scope")
    token = make_token(
        signing_key, vadso_system.client_id, scope="system/CarePlan.read system/Goal.read"
    )
    assert call(client, token, included).status_code == 200


def test_a_bad_signature_is_refused(client, signing_key, vadso_system):
    impostor = RSAKey.generate_key(2048, parameters={"kid": signing_key.kid}, private=True)
    token = make_token(impostor, vadso_system.client_id)
    refused(call(client, token), 401, "invalid_token")
    # A token whose payload was changed after signing.
    header, payload, signature = make_token(signing_key, "someone-else").split(".")
    _h, real_payload, _s = make_token(signing_key, vadso_system.client_id).split(".")
    refused(call(client, f"{header}.{real_payload}.{signature}"), 401, "invalid_token")


def test_an_unknown_key_or_a_symmetric_algorithm_is_refused(client, signing_key, vadso_system):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "unknown"}, private=True)
    refused(call(client, make_token(stranger, vadso_system.client_id)), 401, "invalid_token")
    # HS256 "signed" with the public key's bytes: the old algorithm-confusion attack.
    secret = OctKey.import_key(json.dumps(signing_key.as_dict(private=False)).encode())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int(time.time()) + 60,
        "client_id": vadso_system.client_id,
        "scope": "system/*.read",
    }
    forged = jwt.encode({"alg": "HS256", "kid": signing_key.kid}, claims, secret)
    refused(call(client, forged), 401, "invalid_token")
    refused(call(client, "not.a.token"), 401, "invalid_token")


def test_an_unregistered_or_inactive_client_is_refused(client, signing_key, vadso_system):
    refused(call(client, make_token(signing_key, "nobody")), 403, "invalid_client")
    vadso_system.is_active = False
    vadso_system.save(update_fields=["is_active"])
    refused(call(client, make_token(signing_key, vadso_system.client_id)), 403, "invalid_client")


def test_the_api_is_off_until_configured(client, signing_key, vadso_system, settings):
    settings.FHIR_TOKEN_ISSUER = ""
    token = make_token(signing_key, vadso_system.client_id)
    assert "ikke satt opp" in refused(call(client, token), 401, "invalid_token")


class _JwksServer:
    """A real HTTP server publishing a JWKS, as an issuer does."""

    def __init__(self, keys):
        self.keys = keys
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                body = json.dumps({"keys": [k.as_dict(private=False) for k in outer.keys]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks_server(signing_key, settings):
    server = _JwksServer([signing_key])
    settings.FHIR_JWKS = ""
    settings.FHIR_JWKS_URL = server.url
    yield server
    server.stop()


def test_keys_are_fetched_from_the_issuer_and_kept(client, signing_key, vadso_system, jwks_server):
    for _ in range(3):
        assert call(client, make_token(signing_key, vadso_system.client_id)).status_code == 200
    assert jwks_server.hits == 1


def test_a_rotated_key_is_fetched_once_it_signs(
    client, signing_key, vadso_system, jwks_server, monkeypatch
):
    assert call(client, make_token(signing_key, vadso_system.client_id)).status_code == 200
    rotated = RSAKey.generate_key(2048, parameters={"kid": "test-2"}, private=True)
    jwks_server.keys = [signing_key, rotated]
    # Within the refresh interval an unknown key is refused without asking the issuer.
    refused(call(client, make_token(rotated, vadso_system.client_id)), 401, "invalid_token")
    assert jwks_server.hits == 1
    monkeypatch.setattr(auth, "REFRESH_AFTER_SECONDS", -1)
    assert call(client, make_token(rotated, vadso_system.client_id)).status_code == 200
    assert jwks_server.hits == 2


def test_an_unreachable_key_url_refuses_without_failing(
    client, signing_key, vadso_system, settings
):
    settings.FHIR_JWKS = ""
    settings.FHIR_JWKS_URL = "http://127.0.0.1:9/jwks"
    refused(call(client, make_token(signing_key, vadso_system.client_id)), 401, "invalid_token")


def test_the_capability_statement_states_what_the_registry_serves(client):
    response = client.get(reverse("fhir:metadata"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = response.json()
    validate(statement)
    (rest,) = statement["rest"]
    assert [r["type"] for r in rest["resource"]] == sorted([*REGISTRY, "Subscription"])
    care_plan = next(r for r in rest["resource"] if r["type"] == "CarePlan")
    assert {p["name"] for p in care_plan["searchParam"]} == {
        "_id",
        "_lastUpdated",
        "patient",
        "subject",
        "status",
        "category",
    }
    related = next(r for r in rest["resource"] if r["type"] == "RelatedPerson")
    # RelatedPerson keeps a change time (changed_at, pathways 0031).
    assert {p["name"] for p in related["searchParam"]} == {"_id", "_lastUpdated", "patient"}
    binary = next(r for r in rest["resource"] if r["type"] == "Binary")
    assert binary["interaction"] == [{"code": "read"}] and "searchParam" not in binary
    assert set(care_plan["searchInclude"]) == {
        "CarePlan:patient",
        "CarePlan:goal",
        "CarePlan:care-team",
    }
