"""Identifier systems, code systems and small builders shared by the mappings."""

import base64
import datetime

from django.utils import timezone

# Norwegian national identifiers (the OIDs the basis profiles use).
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"
HNR = "urn:oid:2.16.578.1.12.4.1.4.3"
# Organisation number in Enhetsregisteret.
ORG_NUMBER = "urn:oid:2.16.578.1.12.4.1.4.101"

# Our own code systems and extensions: the state as we keep it, beside the FHIR status.
CANONICAL = "https://samhandling.no/fhir"
LOCAL_ID = f"{CANONICAL}/sid/patient"
SYNTHETIC_ID = f"{CANONICAL}/sid/synthetic-national-id"
UNIT_ID = f"{CANONICAL}/sid/unit"
UNIT_KIND = f"{CANONICAL}/CodeSystem/unit-kind"
ORG_LEVEL = f"{CANONICAL}/CodeSystem/organisation-level"
CARE_TEAM_ROLE = f"{CANONICAL}/CodeSystem/care-team-role"
CARE_TEAM_BASIS = f"{CANONICAL}/CodeSystem/care-team-basis"
EPISODE_KIND = f"{CANONICAL}/CodeSystem/episode-kind"
REFERRAL_STATE = f"{CANONICAL}/CodeSystem/referral-state"
LIFE_AREA = f"{CANONICAL}/CodeSystem/life-area"
PLAN_KIND = f"{CANONICAL}/CodeSystem/plan-kind"
ETTERVERN_VARIANT = f"{CANONICAL}/CodeSystem/ettervern-variant"
WAY_BACK = f"{CANONICAL}/CodeSystem/way-back"
DOCUMENT_KIND = f"{CANONICAL}/CodeSystem/document-kind"
CONSENT_SCOPE = f"{CANONICAL}/CodeSystem/consent-scope"
SENIORITY_DATE = f"{CANONICAL}/StructureDefinition/seniority-date"
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


MAX_ID = 2**63 - 1  # PostgreSQL bigint: a larger number must be "not found", never an error


def parse_id(value: str) -> int:
    """The id in ``123`` or ``Type/123``; ``ValueError`` for anything else."""
    raw = str(value).rpartition("/")[2]
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(value)
    number = int(raw)
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number


def instant(value) -> str | None:
    """An aware datetime as a FHIR instant (UTC, seconds)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def date(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date().isoformat()
    return value.isoformat()


def ref(resource_type: str, pk, display: str = "") -> dict:
    out = {"reference": f"{resource_type}/{pk}"}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str = "") -> dict:
    out = {"system": system, "code": code}
    if display:
        out["display"] = str(display)
    return out


def concept(system: str, code: str, display: str = "") -> dict:
    out = {"coding": [coding(system, code, display)]}
    if display:
        out["text"] = str(display)
    return out


def period(start, end=None) -> dict:
    out = {}
    if start is not None:
        out["start"] = instant(start) if isinstance(start, datetime.datetime) else date(start)
    if end is not None:
        out["end"] = instant(end) if isinstance(end, datetime.datetime) else date(end)
    return out


def resource(resource_type: str, obj, pk=None, **content) -> dict:
    """The resource's frame: type, id, meta.lastUpdated (the row's ``fhir_updated``); empty
    values are left out, as FHIR forbids empty elements."""
    out = {"resourceType": resource_type, "id": str(pk if pk is not None else obj.pk)}
    updated = getattr(obj, "fhir_updated", None)
    if updated is not None:
        out["meta"] = {"lastUpdated": instant(updated)}
    out.update({k: v for k, v in content.items() if v not in (None, "", [], {})})
    return out


def binary(obj, data: bytes, content_type: str, *, patient_id, pk=None) -> dict:
    """A document's bytes as a Binary, readable only in its patient's context."""
    return resource(
        "Binary",
        obj,
        pk=pk,
        contentType=content_type,
        securityContext=ref("Patient", patient_id),
        data=base64.b64encode(data).decode("ascii"),
    )


def unit_display(unit) -> str:
    return f"{unit.name} ({unit.organisation.name})"


def org_ref(unit) -> dict:
    """A unit as the organisation it belongs to, named with the unit (CareTeam participants,
    requesters, performers: R4 allows no HealthcareService there)."""
    return ref("Organization", unit.organisation_id, unit_display(unit))
