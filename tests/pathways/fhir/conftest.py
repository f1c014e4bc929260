"""The FHIR API's cast: a signing key for the token issuer, Vadsø's record system as a
client, a stranger helseforetak's system that sees none of Vadsø's patients, and a whole
pathway for the patient."""

import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from pathways.fhir.auth import KEYS
from pathways.fhir.services import api_client_create
from tests.pathways.fhir.pathway import build, build_aftercare

ISSUER = "https://helseid.test"
AUDIENCE = "samhandling-fhir"


@pytest.fixture(scope="session")
def signing_key():
    return RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"}, private=True)


@pytest.fixture(autouse=True)
def fhir_settings(settings, signing_key):
    settings.FHIR_TOKEN_ISSUER = ISSUER
    settings.FHIR_TOKEN_AUDIENCE = AUDIENCE
    settings.FHIR_JWKS = json.dumps({"keys": [signing_key.as_dict(private=False)]})
    settings.FHIR_JWKS_URL = ""
    KEYS.clear()
    yield settings
    KEYS.clear()


def make_token(key, client_id, *, scope="system/*.read", **claims):
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "client_id": client_id,
        "scope": scope,
        **claims,
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


@pytest.fixture
def token_for(signing_key):
    def issue(client, **claims):
        return make_token(signing_key, client.client_id, **claims)

    return issue


@pytest.fixture
def pathway(patient, coordinator, vadso_rus, unn_intake, tsb_intake, unn_tsb, tsb_clinician):
    """A whole pathway for the patient (tests/pathways/fhir/pathway.py)."""
    return build(patient, coordinator, vadso_rus, unn_intake, tsb_intake, unn_tsb, tsb_clinician)


@pytest.fixture
def aftercare(pathway, patient, coordinator, vadso_rus, unn_tsb, tsb_clinician):
    """The pathway after the stay (tests/pathways/fhir/pathway.py): the ettervern plan, the
    follow-up appointments and published minutes."""
    return build_aftercare(pathway, patient, coordinator, vadso_rus, unn_tsb, tsb_clinician)


@pytest.fixture
def vadso_system(vadso):
    return api_client_create(client_id="vadso-profil", name="Profil Vadsø", organisation=vadso)


@pytest.fixture
def unn_system(unn):
    return api_client_create(client_id="unn-dips", name="DIPS Arena UNN", organisation=unn)


@pytest.fixture
def other_kommune_system(sarpsborg_rus):
    """Another kommune's record system: none of Vadsø's patients are its own."""
    return api_client_create(
        client_id="sarpsborg-gerica",
        name="Gerica Sarpsborg",
        organisation=sarpsborg_rus.organisation,
    )


@pytest.fixture
def stranger_system(other_hf_unit):
    return api_client_create(
        client_id="annet-hf", name="Annet HF EPJ", organisation=other_hf_unit.organisation
    )


@pytest.fixture
def api(client, token_for):
    """``api(system).get(path, **params)``: a GET with the system's bearer token."""

    class Caller:
        def __init__(self, system, **claims):
            self.headers = {"Authorization": f"Bearer {token_for(system, **claims)}"}

        def get(self, path, params=None):
            return client.get(path, params or {}, headers=self.headers)

    return Caller
