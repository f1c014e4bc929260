"""A referral as a record system sends it: a transaction Bundle of Patient, ServiceRequest,
Task, the patient's Consent and a PDF attachment inline."""

import base64
import datetime
import uuid

from django.utils import timezone

from pathways.fhir import codes
from pathways.patients.demo_ids import synthetic_id
from referrals.fhir import NOTE_SECTION

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIRTH = datetime.date(1984, 3, 14)
NATIONAL_ID = synthetic_id(BIRTH, serial=7)
SENDER_IDS = "urn:oid:2.16.578.1.12.4.1.2.99999"


def note(section: str, text: str) -> dict:
    return {"extension": [{"url": NOTE_SECTION, "valueCode": section}], "text": text}


def referral_bundle(
    sender,
    receiver,
    *,
    national_id=NATIONAL_ID,
    identifier=None,
    status="requested",
    consent=True,
    attachment=True,
    reason="Økende alkoholbruk og benzodiazepiner siste halvår, to overdoser.",
) -> dict:
    """``sender``: the sending unit (named in a contained PractitionerRole); ``receiver``:
    the unit referred to."""
    national_id = national_id or NATIONAL_ID
    ids = {name: f"urn:uuid:{uuid.uuid4()}" for name in ("patient", "request", "task")}
    request = {
        "resourceType": "ServiceRequest",
        "contained": [
            {
                "resourceType": "PractitionerRole",
                "id": "sender",
                "organization": {"reference": f"Organization/{sender.organisation_id}"},
                "healthcareService": [{"reference": f"HealthcareService/{sender.pk}"}],
            }
        ],
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "subject": {"reference": ids["patient"]},
        "requester": {"reference": "#sender"},
        "performer": [{"identifier": {"system": codes.UNIT_ID, "value": str(receiver.pk)}}],
        "reasonCode": [{"text": reason}] if reason else [],
        "note": [
            note("question", "Vurdering av rett til TSB, helst døgnbehandling."),
            note("substance-use", "Alkohol daglig, benzodiazepiner uten resept."),
            note("mental-health", "Angst og søvnvansker."),
            note("existing-services", "Ruskonsulent ukentlig, NAV-veileder, fastlege."),
            note("patient-wishes", "Vil bli rusfri og komme tilbake i jobb."),
        ],
    }
    if not reason:
        del request["reasonCode"]
    entries = [
        {
            "fullUrl": ids["patient"],
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": codes.SYNTHETIC_ID, "value": national_id}],
                "name": [{"use": "official", "family": "Importsen", "given": ["Per", "Ola"]}],
                "birthDate": BIRTH.isoformat(),
                "telecom": [{"system": "phone", "value": "41234567"}],
            },
            "request": {
                "method": "POST",
                "url": "Patient",
                "ifNoneExist": f"identifier={codes.SYNTHETIC_ID}|{national_id}",
            },
        },
        {
            "fullUrl": ids["request"],
            "resource": request,
            "request": {"method": "POST", "url": "ServiceRequest"},
        },
        {
            "fullUrl": ids["task"],
            "resource": {
                "resourceType": "Task",
                "status": status,
                "intent": "order",
                "focus": {"reference": ids["request"]},
                "for": {"reference": ids["patient"]},
            },
            "request": {"method": "POST", "url": "Task"},
        },
    ]
    if consent:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": {
                    "resourceType": "Consent",
                    "status": "active",
                    "scope": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                "code": "treatment",
                            }
                        ]
                    },
                    "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
                    "patient": {"reference": ids["patient"]},
                    "dateTime": timezone.localdate().isoformat(),
                },
                "request": {"method": "POST", "url": "Consent"},
            }
        )
    if attachment:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": {
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "description": "Epikrise fra legevakt",
                    "content": [
                        {
                            "attachment": {
                                "contentType": "application/pdf",
                                "title": "epikrise.pdf",
                                "data": base64.b64encode(PDF).decode(),
                            }
                        }
                    ],
                },
                "request": {"method": "POST", "url": "DocumentReference"},
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "identifier": {"system": SENDER_IDS, "value": identifier or str(uuid.uuid4())},
        "entry": entries,
    }
