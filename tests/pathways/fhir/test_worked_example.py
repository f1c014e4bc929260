"""The worked example in docs/fhir.md, run as it stands: its Python blocks are taken from the
doc and executed against the live test server, with a token from a real OpenID provider
process (tests/oidc_provider.py) and the installation's values in the environment variables
the doc names. A change of the API or the doc that breaks a step fails here."""

import datetime
import re
from pathlib import Path

import pytest

from pathways.fhir import auth
from pathways.models import IndividualPlan
from pathways.patients.demo_ids import synthetic_id
from referrals.models import Referral
from tests.oidc_provider import FHIR_CLIENT, start_provider
from tests.pathways.plan.setup import start_plan

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).resolve().parents[3] / "docs" / "fhir.md"
SCOPES = "system/*.read system/ServiceRequest.write"
BIRTH = datetime.date(1984, 3, 14)


def example_code() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Worked example\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert blocks, "the worked example has no Python code"
    return "\n".join(blocks)


@pytest.fixture(scope="module")
def api_url(live_server):
    return f"{live_server.url}/fhir/R4"


@pytest.fixture(scope="module")
def provider(api_url):
    started = start_provider(fhir_resources={api_url: {"audience": api_url, "scope": SCOPES}})
    yield started
    started.stop()


@pytest.fixture
def environment(monkeypatch, tmp_path, fhir_settings, provider, api_url):
    """The API trusts the provider, and the environment holds what the doc reads from it."""
    fhir_settings.FHIR_TOKEN_ISSUER = provider.issuer
    fhir_settings.FHIR_TOKEN_AUDIENCE = api_url
    fhir_settings.FHIR_JWKS = ""
    fhir_settings.FHIR_JWKS_URL = f"{provider.issuer}/jwks"
    fhir_settings.ALLOW_SYNTHETIC_IDS = True
    auth.KEYS.clear()
    key_file = tmp_path / "vadso-profil.pem"
    key_file.write_text(provider.fhir_key_pem)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, str(value))

    set_env(
        SAMHANDLING_FHIR=api_url,
        TOKEN_URL=f"{provider.issuer}/token",
        CLIENT_ID=FHIR_CLIENT,
        KEY_FILE=key_file,
        PATIENT_FNR=synthetic_id(BIRTH, serial=3),
        PATIENT_BIRTH_DATE=BIRTH.isoformat(),
    )
    return set_env


def test_the_worked_example_runs_as_written(
    environment, capsys, vadso_system, patient, coordinator, vadso_rus, unn_intake
):
    assert vadso_system.client_id == FHIR_CLIENT
    # One of Vadsø's patients has a plan being worked on (a FHIR "draft").
    plan = start_plan(patient, coordinator, vadso_rus)
    assert plan.status == IndividualPlan.Status.IN_PROGRESS
    environment(
        FROM_SERVICE=f"HealthcareService/{vadso_rus.pk}",
        TO_SERVICE=f"HealthcareService/{unn_intake.pk}",
    )

    exec(compile(example_code(), str(DOC), "exec"), {"__name__": "worked_example"})  # noqa: S102

    printed = capsys.readouterr().out.splitlines()
    # Step 2 lists the plan being worked on.
    assert f"Patient/{patient.pk} draft" in printed
    # Step 3 sent the referral; step 4 read its Task back, just received.
    referral = Referral.objects.get()
    assert referral.referring_unit == vadso_rus and referral.receiving_unit == unn_intake
    assert referral.patient.national_id == synthetic_id(BIRTH, serial=3)
    assert printed[-1] == "received None"
