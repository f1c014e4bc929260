"""The search parameters as R4 names them: Patient ``name``/``family``/``given``/``birthdate``,
Goal ``lifecycle-status`` (not ``status``), Task/ServiceRequest ``requester`` and
``owner``/``performer``, no EpisodeOfCare ``care-team``; the CapabilityStatement states
exactly these, and unknown parameters stay refused."""

import datetime

import pytest
from django.urls import reverse

from pathways.fhir.registry import REGISTRY
from pathways.fhir.search import supported_params
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


def search(api, system, type_, **params):
    return api(system).get(reverse("fhir:search", args=[type_]), params)


def ids(api, system, type_, **params):
    response = search(api, system, type_, **params)
    assert response.status_code == 200, response.content
    return sorted(
        e["resource"]["id"]
        for e in response.json().get("entry", [])
        if e["search"]["mode"] == "match"
    )


@pytest.fixture
def people(coordinator, vadso_rus):
    return {
        "kari": make_patient(
            vadso_rus,
            by=coordinator,
            first_name="Kari Johanne",
            last_name="Nordmann-Berg",
            birth_date=datetime.date(1990, 5, 17),
        ),
        "per": make_patient(
            vadso_rus,
            by=coordinator,
            first_name="Per",
            last_name="Hansen",
            birth_date=datetime.date(1975, 12, 1),
        ),
    }


def test_patient_name_family_and_given(api, vadso_system, people):
    kari, per = str(people["kari"].pk), str(people["per"].pk)
    assert ids(api, vadso_system, "Patient", name="nord") == [kari]
    assert ids(api, vadso_system, "Patient", name="Berg") == [kari]  # after a hyphen
    assert ids(api, vadso_system, "Patient", name="per") == [per]
    assert ids(api, vadso_system, "Patient", family="hansen") == [per]
    # A given name is not a family name, and the start of a word only.
    assert ids(api, vadso_system, "Patient", family="Per") == []
    assert ids(api, vadso_system, "Patient", given="johanne") == [kari]
    assert ids(api, vadso_system, "Patient", given="ohanne") == []
    assert search(api, vadso_system, "Patient", name=" ").status_code == 400


def test_patient_birthdate(api, vadso_system, people):
    kari, per = str(people["kari"].pk), str(people["per"].pk)
    assert ids(api, vadso_system, "Patient", birthdate="1990-05-17") == [kari]
    assert ids(api, vadso_system, "Patient", birthdate="1975") == [per]
    assert ids(api, vadso_system, "Patient", birthdate="1975-12") == [per]
    assert ids(api, vadso_system, "Patient", birthdate="lt1980-01-01") == [per]
    assert ids(api, vadso_system, "Patient", birthdate="ge1990-05-17") == [kari]
    assert ids(api, vadso_system, "Patient", birthdate="gt1990-05-17") == []
    both = ids(api, vadso_system, "Patient", birthdate="ne2000-01-01")
    assert kari in both and per in both
    for bad in ("1990-13-01", "yesterday", "gt1990", "sa1990-01-01"):
        assert search(api, vadso_system, "Patient", birthdate=bad).status_code == 400, bad


def test_goal_lifecycle_status_replaces_status(api, vadso_system, pathway):
    main = str(pathway["goal"].pk)
    assert ids(api, vadso_system, "Goal", **{"lifecycle-status": "active"}) == [main]
    assert main not in ids(api, vadso_system, "Goal", **{"lifecycle-status": "completed"})
    response = search(api, vadso_system, "Goal", status="active")
    assert response.status_code == 400
    assert "status" in response.json()["issue"][0]["diagnostics"]


def test_task_and_service_request_by_requester_and_owner(
    api, vadso_system, pathway, vadso, unn_intake, unn_tsb
):
    first, forwarded = str(pathway["referral"].pk), str(pathway["forwarded"].pk)
    assert pathway["forwarded"].receiving_unit == unn_tsb
    unn = unn_intake.organisation_id
    both = sorted([first, forwarded])
    # Vadsø referred to UNN; UNN forwarded it within UNN, the referrer staying Vadsø.
    assert ids(api, vadso_system, "Task", requester=f"Organization/{vadso.pk}") == both
    assert ids(api, vadso_system, "Task", requester=str(unn)) == []
    assert ids(api, vadso_system, "Task", owner=f"Organization/{unn}") == both
    assert ids(api, vadso_system, "Task", owner=f"Organization/{vadso.pk}") == []
    assert ids(api, vadso_system, "ServiceRequest", performer=f"Organization/{unn}") == both
    assert (
        ids(api, vadso_system, "ServiceRequest", requester=f"Organization/{vadso.pk},{unn}") == both
    )
    assert search(api, vadso_system, "Task", requester="Patient/1").status_code == 400
    # The R4 names of the other type are not answered.
    assert search(api, vadso_system, "Task", performer=str(unn)).status_code == 400
    assert search(api, vadso_system, "ServiceRequest", owner=str(unn)).status_code == 400


def test_episode_of_care_has_no_care_team_include(api, vadso_system, pathway):
    response = search(api, vadso_system, "EpisodeOfCare", _include="EpisodeOfCare:care-team")
    assert response.status_code == 400


def test_the_capability_statement_states_exactly_the_parameters(api, vadso_system):
    statement = api(vadso_system).get(reverse("fhir:metadata")).json()
    offered = {
        r["type"]: {p["name"] for p in r.get("searchParam", [])}
        for r in statement["rest"][0]["resource"]
    }
    assert offered["Patient"] == {
        "_id",
        "_lastUpdated",
        "identifier",
        "name",
        "family",
        "given",
        "birthdate",
    }
    assert offered["Goal"] == {"_id", "_lastUpdated", "patient", "subject", "lifecycle-status"}
    assert {"requester", "owner"} <= offered["Task"] and "performer" not in offered["Task"]
    assert {"requester", "performer"} <= offered["ServiceRequest"]
    assert "owner" not in offered["ServiceRequest"]
    episode = next(r for r in statement["rest"][0]["resource"] if r["type"] == "EpisodeOfCare")
    assert episode["searchInclude"] == ["EpisodeOfCare:patient"]
    # Every name the statement offers is one the search takes.
    for name, resource in REGISTRY.items():
        if "search-type" in resource.interactions:
            assert offered[name] == {n for n, _t, _d in supported_params(resource)}, name
