"""A real FHIR client (fhirpy) reads and pages through the live test server."""

import pytest
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ForbiddenError, ResourceNotFound

from tests.factories import make_patient
from tests.pathways.fhir.test_resources import validate
from tests.pathways.plan.setup import add_goal, start_plan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fhir(live_server, token_for):
    def connect(system, **claims):
        return SyncFHIRClient(
            f"{live_server.url}/fhir/R4",
            authorization=f"Bearer {token_for(system, **claims)}",
        )

    return connect


def test_a_fhir_client_reads_and_pages_through_the_plans(
    fhir, vadso_system, stranger_system, coordinator, vadso_rus
):
    patients = []
    for n in range(7):
        patient = make_patient(vadso_rus, by=coordinator, last_name=f"Klientsen{n}")
        plan = start_plan(patient, coordinator, vadso_rus)
        add_goal(plan, coordinator, vadso_rus)
        patients.append(patient)
    client = fhir(vadso_system)

    # Seven plans, three to a page: the client follows Bundle.link next twice.
    plans = client.resources("CarePlan").limit(3).fetch_all()
    assert sorted(p["subject"]["reference"] for p in plans) == sorted(
        f"Patient/{p.pk}" for p in patients
    )
    for plan in plans:
        validate(plan.serialize())

    # Read by id, and a search by patient with its goals included.
    first = patients[0]
    read = client.reference("Patient", first.pk).to_resource()
    assert read["name"][0]["family"] == "Klientsen0"
    (plan,) = client.resources("CarePlan").search(patient=first.pk).fetch()
    goal = plan["goal"][0].to_resource()
    assert goal["subject"]["reference"] == f"Patient/{first.pk}"
    raw = (
        client.resources("CarePlan").search(patient=first.pk).include("CarePlan", "goal")
    ).fetch_raw()
    assert {e["resource"]["resourceType"] for e in raw["entry"]} == {"CarePlan", "Goal"}

    # Another organisation's system sees none of it.
    stranger = fhir(stranger_system)
    assert stranger.resources("CarePlan").fetch_all() == []
    with pytest.raises(ResourceNotFound):
        stranger.reference("Patient", first.pk).to_resource()


def test_the_client_sees_refusals_as_operation_outcomes(fhir, vadso_system):
    client = fhir(vadso_system, scope="system/Patient.read")
    with pytest.raises(ForbiddenError) as refusal:
        client.resources("CarePlan").fetch()
    assert '"resourceType": "OperationOutcome"' in str(refusal.value)
    assert "scope" in str(refusal.value)
