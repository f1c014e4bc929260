"""Every resource type the API serves validates against the R4 definitions (fhir.resources'
R4B models: R4B changed none of the elements these resources use), and the mapping says
what the pathway says."""

import base64
import importlib
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AuditEvent
from pathways.fhir import codes
from pathways.fhir.mapping import auditlog, meetings, plan
from pathways.fhir.registry import REGISTRY
from pathways.models import Goal, IndividualPlan, Measure, Meeting
from referrals import fhir as referrals_fhir
from referrals.models import Referral

# The R4 value sets with a required binding that our status-like elements use. The model
# library checks structure, types, cardinality and unknown elements, but not codes.
R4_CODES = {
    ("Task", "status"): {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "ready",
        "cancelled",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "entered-in-error",
    },
    ("ServiceRequest", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan.activity.detail", "status"): {
        "not-started",
        "scheduled",
        "in-progress",
        "on-hold",
        "completed",
        "cancelled",
        "stopped",
        "unknown",
        "entered-in-error",
    },
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    ("Encounter", "status"): {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    ("EpisodeOfCare", "status"): {
        "planned",
        "waitlist",
        "active",
        "onhold",
        "finished",
        "cancelled",
        "entered-in-error",
    },
    ("CareTeam", "status"): {"proposed", "active", "suspended", "inactive", "entered-in-error"},
    ("Consent", "status"): {
        "draft",
        "proposed",
        "active",
        "rejected",
        "inactive",
        "entered-in-error",
    },
    ("Appointment", "status"): {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    },
    ("Appointment.participant", "status"): {"accepted", "declined", "tentative", "needs-action"},
    ("Communication", "status"): {
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan.activity.detail", "kind"): {
        "Appointment",
        "CommunicationRequest",
        "DeviceRequest",
        "MedicationRequest",
        "NutritionOrder",
        "Task",
        "ServiceRequest",
        "VisionPrescription",
    },
    ("DocumentReference", "status"): {"current", "superseded", "entered-in-error"},
    ("DocumentReference", "docStatus"): {"preliminary", "final", "amended", "entered-in-error"},
    ("AuditEvent", "action"): {"C", "R", "U", "D", "E"},
    ("AuditEvent", "outcome"): {"0", "4", "8", "12"},
}
for _name in ("ServiceRequest", "Task", "Communication"):
    R4_CODES[(_name, "priority")] = {"routine", "urgent", "asap", "stat"}


def _no_empty(value, where):
    """FHIR JSON has no empty objects, arrays or strings (and no nulls)."""
    assert value not in (None, "", [], {}), f"empty value at {where}"
    if isinstance(value, dict):
        for key, item in value.items():
            _no_empty(item, f"{where}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _no_empty(item, f"{where}[{n}]")


def _codes(resource):
    name = resource["resourceType"]
    found = [((name, k), resource.get(k)) for k in ("status", "lifecycleStatus", "action")]
    found += [((name, k), resource.get(k)) for k in ("outcome", "priority", "docStatus")]
    for activity in resource.get("activity", []) if name == "CarePlan" else []:
        # An activity is either a reference (a follow-up Appointment) or a detail.
        detail = activity.get("detail", {})
        found.append((("CarePlan.activity.detail", "status"), detail.get("status")))
        found.append((("CarePlan.activity.detail", "kind"), detail.get("kind")))
    for participant in resource.get("participant", []) if name == "Appointment" else []:
        found.append((("Appointment.participant", "status"), participant["status"]))
    return [(key, code) for key, code in found if key in R4_CODES and code is not None]


def validate(resource: dict):
    """Parse with the R4B model of the resource's type (raises on anything invalid), and
    check what the models leave out: no empty elements, codes from the required sets."""
    name = resource["resourceType"]
    _no_empty(resource, name)
    for key, code in _codes(resource):
        assert code in R4_CODES[key], f"{key}: {code!r} is not an R4 code"
    for entry in resource.get("entry", []) if name == "Bundle" else []:
        if "resource" in entry:  # a transaction-response entry may hold only its response
            validate(entry["resource"])
    module = importlib.import_module(f"fhir.resources.R4B.{name.lower()}")
    return getattr(module, name).model_validate(resource)


def search_all(api, system, name, **params):
    response = api(system).get(reverse("fhir:search", args=[name]), params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = response.json()
    validate(bundle)
    return [entry["resource"] for entry in bundle.get("entry", [])]


@pytest.mark.django_db
def test_every_resource_type_validates(api, vadso_system, patient, pathway, aftercare):
    seen = {}
    for name in sorted(REGISTRY):
        if "search-type" not in REGISTRY[name].interactions:
            continue
        params = {} if REGISTRY[name].patient_field in (None, "pk") else {"patient": patient.pk}
        resources = search_all(api, vadso_system, name, **params)
        assert resources, f"no {name} for the patient"
        for resource in resources:
            assert resource["resourceType"] == name
            validate(resource)
        seen[name] = resources
    expected = {
        "Appointment",
        "AuditEvent",
        "Communication",
        "Practitioner",
        "PractitionerRole",
        "CarePlan",
        "CareTeam",
        "Consent",
        "DocumentReference",
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
    # Each model a type is served from, with its own ids.
    kinds = {(name, r["id"].rpartition("-")[0]) for name, found in seen.items() for r in found}
    assert {
        ("CarePlan", ""),
        ("CarePlan", "ettervern"),
        ("Appointment", ""),
        ("Appointment", "oppfolging"),
        ("DocumentReference", ""),
        ("DocumentReference", "ettervern"),
        ("DocumentReference", "referat"),
    } <= kinds


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
        validate({"resourceType": "Patient", "colour": "blue"})
    with pytest.raises(AssertionError, match="not an R4 code"):
        validate({"resourceType": "Task", "status": "no-such-status", "intent": "order"})
    with pytest.raises(AssertionError, match="empty value"):
        validate({"resourceType": "Patient", "name": [{}]})


@pytest.mark.parametrize(
    "mapping, model_choices, element",
    [
        (referrals_fhir.TASK_STATUS, Referral.State, ("Task", "status")),
        (referrals_fhir.SERVICE_REQUEST_STATUS, Referral.State, ("ServiceRequest", "status")),
        (plan.PLAN_STATUS, IndividualPlan.Status, ("CarePlan", "status")),
        (plan.MEASURE_STATUS, Measure.Status, ("CarePlan.activity.detail", "status")),
        (plan.GOAL_STATUS, Goal.Status, ("Goal", "lifecycleStatus")),
        (meetings.MEETING_STATUS, Meeting.State, ("Appointment", "status")),
        (auditlog.ACTION, AuditEvent.Action, ("AuditEvent", "action")),
    ],
)
def test_every_state_maps_to_an_r4_code(mapping, model_choices, element):
    assert set(mapping) == set(model_choices.values)
    assert set(mapping.values()) <= R4_CODES[element]


@pytest.mark.django_db
def test_the_plan_document_is_the_printed_pdf_and_its_download_is_logged(
    api, vadso_system, patient, pathway
):
    plan = pathway["plan"]
    (document,) = search_all(api, vadso_system, "DocumentReference", patient=patient.pk)
    attachment = document["content"][0]["attachment"]
    assert attachment["url"] == f"Binary/{plan.pk}"
    assert attachment["contentType"] == "application/pdf"

    before = AuditEvent.objects.count()
    response = api(vadso_system).get(f"/fhir/R4/{attachment['url']}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "Individuell plan" in text
    assert "Jeg vil ha min egen leilighet" in text
    assert "Søknad om kommunal bolig" in text
    (event,) = AuditEvent.objects.order_by("pk")[before:]
    assert (event.action, event.patient_id, event.user_id) == (
        "export",
        patient.pk,
        vadso_system.account_id,
    )

    as_json = api(vadso_system).get(f"/fhir/R4/Binary/{plan.pk}", {"_format": "json"}).json()
    validate(as_json)
    assert base64.b64decode(as_json["data"]).startswith(b"%PDF")
    searching = api(vadso_system).get("/fhir/R4/Binary")
    assert searching.status_code == 405
