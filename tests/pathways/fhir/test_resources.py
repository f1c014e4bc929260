"""Every resource type the API serves validates against the R4 definitions (fhir.resources'
R4B models: R4B changed none of the elements these resources use), and the mapping says
what the pathway says."""

import importlib

import pytest
from django.urls import reverse

from pathways.fhir import codes
from pathways.fhir.registry import REGISTRY
from tests.pathways.fhir.pathway import build


def validate(resource: dict):
    """Parse with the R4B model of the resource's type; raises on anything invalid."""
    name = resource["resourceType"]
    module = importlib.import_module(f"fhir.resources.R4B.{name.lower()}")
    return getattr(module, name).model_validate(resource)


@pytest.fixture
def pathway(patient, coordinator, vadso_rus, unn_intake, tsb_intake, unn_tsb, tsb_clinician):
    return build(patient, coordinator, vadso_rus, unn_intake, tsb_intake, unn_tsb, tsb_clinician)


def search_all(api, system, name, **params):
    response = api(system).get(reverse("fhir:search", args=[name]), params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = response.json()
    validate(bundle)
    return [entry["resource"] for entry in bundle.get("entry", [])]


@pytest.mark.django_db
def test_every_resource_type_validates(api, vadso_system, patient, pathway):
    seen = {}
    for name in sorted(REGISTRY):
        params = {} if REGISTRY[name].patient_field in (None, "pk") else {"patient": patient.pk}
        resources = search_all(api, vadso_system, name, **params)
        assert resources, f"no {name} for the patient"
        for resource in resources:
            assert resource["resourceType"] == name
            validate(resource)
        seen[name] = resources
    expected = {
        "CarePlan",
        "CareTeam",
        "Consent",
        "Encounter",
        "EpisodeOfCare",
        "Goal",
        "HealthcareService",
        "Organization",
        "Patient",
        "RelatedPerson",
        "ServiceRequest",
        "Task",
    }
    assert expected <= set(seen)


@pytest.mark.django_db
def test_the_patient_carries_the_national_id_and_the_registering_organisation(
    api, vadso_system, patient, vadso
):
    resource = api(vadso_system).get(reverse("fhir:read", args=["Patient", patient.pk])).json()
    validate(resource)
    official = resource["identifier"][0]
    assert official["value"] == patient.national_id
    # The test patients have synthetic numbers, which are not fødselsnummer.
    assert official["system"] == codes.SYNTHETIC_ID
    assert resource["name"][0] == {"use": "official", "family": "Nordmann", "given": ["Ola"]}
    assert resource["managingOrganization"]["reference"] == f"Organization/{vadso.pk}"


@pytest.mark.django_db
def test_a_fodselsnummer_uses_the_national_oid(api, vadso_system, patient):
    patient.id_kind = "fnr"
    patient.save(update_fields=["id_kind"])
    resource = api(vadso_system).get(reverse("fhir:read", args=["Patient", patient.pk])).json()
    assert resource["identifier"][0]["system"] == "urn:oid:2.16.578.1.12.4.1.4.1"
    found = search_all(
        api, vadso_system, "Patient", identifier=f"{codes.FNR}|{patient.national_id}"
    )
    assert [p["id"] for p in found] == [str(patient.pk)]
    assert not search_all(
        api, vadso_system, "Patient", identifier=f"{codes.DNR}|{patient.national_id}"
    )


@pytest.mark.django_db
def test_a_forwarded_referral_replaces_the_first_and_keeps_the_seniority_date(
    api, vadso_system, patient, pathway
):
    first, forwarded = pathway["referral"], pathway["forwarded"]
    requests = {
        r["id"]: r for r in search_all(api, vadso_system, "ServiceRequest", patient=patient.pk)
    }
    new = requests[str(forwarded.pk)]
    assert new["replaces"] == [{"reference": f"ServiceRequest/{first.pk}"}]
    assert requests[str(first.pk)]["status"] == "revoked"
    assert new["status"] == "active"
    seniority = [e for e in new["extension"] if e["url"] == codes.SENIORITY_DATE]
    assert seniority == [
        {"url": codes.SENIORITY_DATE, "valueDate": first.seniority_date.isoformat()}
    ]
    tasks = {t["id"]: t for t in search_all(api, vadso_system, "Task", patient=patient.pk)}
    assert tasks[str(first.pk)]["status"] == "rejected"
    assert tasks[str(first.pk)]["statusReason"] == {"text": "Bedre egnet for døgnbehandling."}
    assert tasks[str(forwarded.pk)]["status"] == "received"
    assert tasks[str(forwarded.pk)]["focus"] == {"reference": f"ServiceRequest/{forwarded.pk}"}


@pytest.mark.django_db
def test_the_care_plan_has_its_goals_and_measures(api, vadso_system, patient, pathway):
    (plan,) = search_all(api, vadso_system, "CarePlan", patient=patient.pk)
    assert plan["status"] == "draft"  # in progress: not yet agreed
    assert len(plan["goal"]) == 2
    (activity,) = plan["activity"]
    assert activity["detail"]["description"] == "Søknad om kommunal bolig"
    assert activity["detail"]["status"] == "in-progress"
    goals = {g["id"]: g for g in search_all(api, vadso_system, "Goal", patient=patient.pk)}
    main = goals[str(pathway["goal"].pk)]
    assert main["lifecycleStatus"] == "active"
    assert main["note"][0]["text"] == "Søknaden er sendt."
    achieved = next(g for g in goals.values() if g.get("achievementStatus"))
    assert achieved["lifecycleStatus"] == "completed"
    assert achieved["achievementStatus"]["coding"][0]["code"] == "achieved"


@pytest.mark.django_db
def test_the_care_team_lists_the_units_and_the_stay_is_an_encounter(
    api, vadso_system, patient, pathway, vadso, unn
):
    (team,) = search_all(api, vadso_system, "CareTeam", _id=patient.pk)
    members = {p["member"]["reference"] for p in team["participant"]}
    assert members == {f"Organization/{vadso.pk}", f"Organization/{unn.pk}"}
    (stay,) = search_all(api, vadso_system, "Encounter", patient=patient.pk)
    assert stay["status"] == "in-progress"
    assert stay["class"]["code"] == "IMP"
    assert stay["episodeOfCare"] == [{"reference": f"EpisodeOfCare/{patient.pk}"}]


def test_the_validator_refuses_an_invalid_resource():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        validate({"resourceType": "Patient", "birthDate": "not a date"})
    with pytest.raises(ValidationError):
        validate({"resourceType": "Task", "status": "no-such-status", "intent": "order"})
