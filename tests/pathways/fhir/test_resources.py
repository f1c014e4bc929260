"""Every resource type the API serves validates against the R4 definitions (fhirclient's
models, generated from FHIR 4.0.1, and fhir.resources' R4B models, which also check the
formats of primitive values), and the mapping says what the pathway says."""

import base64
import datetime
import importlib
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEvent
from pathways.fhir import codes
from pathways.fhir.mapping import auditlog, meetings, plan
from pathways.fhir.registry import REGISTRY
from pathways.models import EttervernPlan, Goal, IndividualPlan, Measure, Meeting
from referrals import fhir as referrals_fhir
from referrals.models import Referral
from tests.pathways.fhir.pathway import ATTACHMENT

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
    # fhirclient's models are generated from R4 (4.0.1) itself: unknown elements, wrong types
    # and missing required elements are refused there, so nothing R4B-only slips through.
    r4 = importlib.import_module(f"fhirclient.models.{name.lower()}")
    getattr(r4, name)(resource, strict=True)
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
        ("DocumentReference", "vedlegg"),
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
    from fhirclient.models.fhirabstractbase import FHIRValidationError
    from pydantic import ValidationError

    with pytest.raises(FHIRValidationError):
        validate({"resourceType": "Patient", "birthDate": "not a date"})
    with pytest.raises(FHIRValidationError):
        validate({"resourceType": "Patient", "colour": "blue"})
    # Required by R4: CarePlan.status, intent and subject.
    with pytest.raises(FHIRValidationError, match="status"):
        validate({"resourceType": "CarePlan", "intent": "plan", "subject": {"reference": "P/1"}})
    # Formats (an id's pattern), which the R4 models do not check: the R4B models do.
    with pytest.raises(ValidationError):
        validate({"resourceType": "Patient", "id": "has space!"})
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


@pytest.mark.django_db
def test_the_ettervern_plan_is_a_care_plan_beside_the_individuell_plan(
    api, vadso_system, patient, pathway, aftercare, unn, vadso, unn_tsb
):
    plan, missed, ahead = aftercare["ettervern"], aftercare["missed"], aftercare["ahead"]
    both = search_all(api, vadso_system, "CarePlan", patient=patient.pk)
    assert [p["id"] for p in both] == [str(pathway["plan"].pk), f"ettervern-{plan.pk}"]
    kinds = [p["category"][0]["coding"][0]["code"] for p in both]
    assert kinds == ["individuell-plan", "ettervern-plan"]
    (found,) = search_all(api, vadso_system, "CarePlan", category="ettervern-plan")
    assert found == both[1]
    assert [
        p["id"] for p in search_all(api, vadso_system, "CarePlan", category="individuell-plan")
    ] == [str(pathway["plan"].pk)]
    with_system = search_all(
        api, vadso_system, "CarePlan", category=f"{codes.PLAN_KIND}|ettervern-plan"
    )
    assert [p["id"] for p in with_system] == [f"ettervern-{plan.pk}"]
    assert (
        search_all(api, vadso_system, "CarePlan", category="http://other.example|ettervern-plan")
        == []
    )
    assert found["status"] == "draft"  # neither side has signed
    assert found["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert found["encounter"] == {"reference": f"Encounter/{pathway['episode'].pk}"}
    assert found["author"]["reference"] == f"Organization/{unn.pk}"
    assert {c["reference"] for c in found["contributor"]} == {
        f"Organization/{unn.pk}",
        f"Organization/{vadso.pk}",
    }
    assert found["description"] == "Fullført døgnopphold uten rus."
    assert found["period"]["end"] == plan.return_valid_until.isoformat()
    notes = [n["text"] for n in found["note"]]
    assert any(n.endswith(": Økt overdosefare de første ukene.") for n in notes)
    assert any("Kommunal leilighet i Vadsø." in n for n in notes)
    details = [a["detail"] for a in found["activity"] if "detail" in a]
    crisis = next(
        d for d in details if d.get("code", {}).get("coding", [{}])[0].get("code") == "kriseplan"
    )
    assert "Trekker seg unna venner." in crisis["description"]
    assert "Gå tur med hunden." in crisis["description"]
    assert "Legevakt (Vakttelefon) 116117 Hele døgnet" in crisis["description"]
    way_back = next(
        d for d in details if d.get("code", {}).get("coding", [{}])[0].get("code") == "open_return"
    )
    assert way_back["performer"][0]["display"].startswith(unn_tsb.name)
    assert way_back["description"] == "Ring døgnavdelingen før kl. 12."
    assert way_back["status"] == "not-started"
    first = next(d for d in details if d.get("kind") == "Appointment")
    assert "Kari Koordinator" in first["description"] and first["status"] == "scheduled"
    references = [a["reference"]["reference"] for a in found["activity"] if "reference" in a]
    assert references == [
        f"Appointment/oppfolging-{missed.pk}",
        f"Appointment/oppfolging-{ahead.pk}",
    ]

    # Both sides sign: agreed. The way back runs out: over.
    EttervernPlan.objects.filter(pk=plan.pk).update(
        specialist_signed_at=timezone.now(), kommune_signed_at=timezone.now()
    )
    assert [p["id"] for p in search_all(api, vadso_system, "CarePlan", status="active")] == [
        f"ettervern-{plan.pk}"
    ]
    EttervernPlan.objects.filter(pk=plan.pk).update(
        return_valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    (over,) = search_all(api, vadso_system, "CarePlan", status="completed")
    assert over["id"] == f"ettervern-{plan.pk}"
    drafts = search_all(api, vadso_system, "CarePlan", status="draft")
    assert [p["id"] for p in drafts] == [str(pathway["plan"].pk)]
    read = api(vadso_system).get(reverse("fhir:read", args=["CarePlan", f"ettervern-{plan.pk}"]))
    assert read.status_code == 200 and read.json()["status"] == "completed"
    # An _include is answered by each kind of plan as it can: goals only from the individuell
    # plan, the care team from both.
    response = api(vadso_system).get(
        reverse("fhir:search", args=["CarePlan"]),
        {"patient": patient.pk, "_include": ["CarePlan:goal", "CarePlan:care-team"]},
    )
    included = [
        (e["resource"]["resourceType"], e["resource"]["id"])
        for e in response.json()["entry"]
        if e["search"]["mode"] == "include"
    ]
    goals = sorted(("Goal", str(g.pk)) for g in pathway["plan"].goals.all())
    assert sorted(included) == sorted([("CareTeam", str(patient.pk)), *goals])
    # The CapabilityStatement says so, from the registry.
    statement = api(vadso_system).get(reverse("fhir:metadata")).json()
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    care_plan_params = {p["name"]: p for p in served["CarePlan"]["searchParam"]}
    assert "ettervern-plan" in care_plan_params["category"]["documentation"]
    appointment_params = {p["name"]: p for p in served["Appointment"]["searchParam"]}
    assert "noshow" in appointment_params["status"]["documentation"]
    # The individuell plan shows the same crisis plan, summarised the same way.
    assert crisis in [a["detail"] for a in both[0]["activity"]]
    # The individuell plan's ids stay its own: the same number without the prefix is it.
    plain = api(vadso_system).get(reverse("fhir:read", args=["CarePlan", pathway["plan"].pk]))
    assert plain.json()["category"][0]["coding"][0]["code"] == "individuell-plan"


@pytest.mark.django_db
def test_follow_up_appointments_are_appointments_beside_the_meetings(
    api, vadso_system, patient, pathway, aftercare, vadso_rus
):
    missed, ahead, minutes = aftercare["missed"], aftercare["ahead"], aftercare["minutes"]
    found = {a["id"]: a for a in search_all(api, vadso_system, "Appointment", patient=patient.pk)}
    assert set(found) == {
        str(pathway["meeting"].pk),
        str(minutes.pk),
        f"oppfolging-{missed.pk}",
        f"oppfolging-{ahead.pk}",
    }
    no_show = found[f"oppfolging-{missed.pk}"]
    assert no_show["status"] == "noshow"
    assert found[f"oppfolging-{ahead.pk}"]["status"] == "booked"
    assert found[str(minutes.pk)]["status"] == "fulfilled"
    actors = [p["actor"] for p in no_show["participant"]]
    assert actors[0] == {"reference": f"Patient/{patient.pk}"}
    assert actors[1]["reference"] == f"HealthcareService/{vadso_rus.pk}"
    assert actors[2] == {"display": "Ruskonsulent Per"}
    assert no_show["start"] == codes.instant(missed.at)

    def ids(**params):
        return [a["id"] for a in search_all(api, vadso_system, "Appointment", **params)]

    assert ids(status="noshow") == [f"oppfolging-{missed.pk}"]
    assert ids(status="fulfilled") == [str(minutes.pk)]
    assert ids(status="booked,noshow") == [
        str(pathway["meeting"].pk),
        f"oppfolging-{missed.pk}",
        f"oppfolging-{ahead.pk}",
    ]
    today = timezone.localdate()
    assert ids(date=f"lt{today}") == [str(minutes.pk), f"oppfolging-{missed.pk}"]
    assert ids(date=f"ge{today + datetime.timedelta(days=9)}") == [f"oppfolging-{ahead.pk}"]
    assert ids(_id=f"oppfolging-{ahead.pk},{pathway['meeting'].pk}") == [
        str(pathway["meeting"].pk),
        f"oppfolging-{ahead.pk}",
    ]


def _pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


@pytest.mark.django_db
def test_the_ettervern_plan_and_the_published_minutes_are_documents(
    api, vadso_system, patient, pathway, aftercare
):
    plan, minutes = aftercare["ettervern"], aftercare["minutes"]
    documents = {
        d["id"]: d for d in search_all(api, vadso_system, "DocumentReference", patient=patient.pk)
    }
    # The planned meeting has no minutes: only the published ones are documents.
    sent = aftercare["attachment"]
    assert set(documents) == {
        str(pathway["plan"].pk),
        f"ettervern-{plan.pk}",
        f"referat-{minutes.pk}",
        f"vedlegg-{sent.pk}",
    }
    ettervern_doc = documents[f"ettervern-{plan.pk}"]
    assert ettervern_doc["docStatus"] == "preliminary"  # not signed
    assert ettervern_doc["context"]["related"] == [{"reference": f"CarePlan/ettervern-{plan.pk}"}]
    minutes_doc = documents[f"referat-{minutes.pk}"]
    assert minutes_doc["docStatus"] == "final"
    assert minutes_doc["context"]["related"] == [{"reference": f"Appointment/{minutes.pk}"}]

    for document, says in (
        (ettervern_doc, ["Tett oppfølging de første ukene.", "Trekker seg unna venner."]),
        (minutes_doc, ["Ola møtte til første avtale.", "Ettervern"]),
    ):
        attachment = document["content"][0]["attachment"]
        assert attachment["contentType"] == "application/pdf"
        before = AuditEvent.objects.count()
        response = api(vadso_system).get(f"/fhir/R4/{attachment['url']}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = _pdf_text(response.content)
        for phrase in says:
            assert phrase in text, (document["id"], phrase)
        (event,) = AuditEvent.objects.order_by("pk")[before:]
        assert (event.action, event.patient_id, event.user_id) == (
            "export",
            patient.pk,
            vadso_system.account_id,
        )
        as_json = api(vadso_system).get(f"/fhir/R4/{attachment['url']}", {"_format": "json"})
        binary = as_json.json()
        validate(binary)
        assert binary["id"] == attachment["url"].partition("/")[2]
        assert base64.b64decode(binary["data"]).startswith(b"%PDF")

    # The referral's attachment: the stored file as it was sent.
    attached = documents[f"vedlegg-{sent.pk}"]
    assert attached["description"] == "Epikrise fra fastlegen"
    assert attached["context"]["related"] == [{"reference": f"ServiceRequest/{sent.referral_id}"}]
    before = AuditEvent.objects.count()
    response = api(vadso_system).get(f"/fhir/R4/{attached['content'][0]['attachment']['url']}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == ATTACHMENT
    (event,) = AuditEvent.objects.order_by("pk")[before:]
    assert (event.action, event.patient_id) == ("export", patient.pk)

    # Unpublished minutes are no document.
    Meeting.objects.filter(pk=minutes.pk).update(published_at=None)
    ids = [d["id"] for d in search_all(api, vadso_system, "DocumentReference", patient=patient.pk)]
    assert f"referat-{minutes.pk}" not in ids
    assert api(vadso_system).get(f"/fhir/R4/Binary/referat-{minutes.pk}").status_code == 404


@pytest.mark.parametrize(
    "name", sorted(n for n, r in REGISTRY.items() if r.statuses and (n, "status") in R4_CODES)
)
def test_every_status_a_search_knows_is_an_r4_code(name):
    """The status codes each model of a type answers to (the ettervern plan beside the
    individuell plan, follow-up appointments beside meetings), the same set for every model
    so that a search runs through all of them."""
    resource = REGISTRY[name]
    for part in (resource, *resource.parts):
        assert set(part.statuses) <= R4_CODES[(name, "status")], part.id_prefix
        assert set(part.statuses) == set(resource.statuses), part.id_prefix
