"""No parameter value breaks a search or a read: each answer is a FHIR resource with a 2xx
or a 4xx status, never a server error."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathways.fhir.registry import REGISTRY
from pathways.fhir.search import RESULT_PARAMS, supported_params

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    "\x00",
    "Patient/",
    "Patient/-1",
    "9" * 30,
    "ge",
    "ge2026-13-45",
    "lt2026-01-01T25:00:00Z",
    "eq2026-01-01T10:00:00 01:00",
    "a,b,,c",
    "system|",
    "|",
    "urn:oid:2.16.578.1.12.4.1.4.1|' OR 1=1 --",
    "CarePlan:goal:Goal",
    "%00",
    "Ω≈ç√",
]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=60), st.integers().map(str))
SEARCHABLE = sorted(n for n, r in REGISTRY.items() if "search-type" in r.interactions)


@pytest.mark.parametrize("name", SEARCHABLE)
def test_no_parameter_breaks_a_search(name, api, vadso_system, shared_patient):
    caller = api(vadso_system)
    names = [p for p, _t, _d in supported_params(REGISTRY[name])] + list(RESULT_PARAMS)
    statuses = []

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(params=st.dictionaries(st.sampled_from(names), values, max_size=3))
    def search(params):
        response = caller.get(reverse("fhir:search", args=[name]), params)
        assert response.status_code in (200, 400), (params, response.content)
        body = response.json()
        assert body["resourceType"] == (
            "Bundle" if response.status_code == 200 else "OperationOutcome"
        )
        statuses.append(response.status_code)

    search()
    assert 400 in statuses, "no example was refused; the fuzz is too narrow"


@given(pk=st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=40)))
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_no_id_breaks_a_read(pk, api, vadso_system):
    response = api(vadso_system).get(f"/fhir/R4/Patient/{pk}")
    assert response.status_code == 404, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
