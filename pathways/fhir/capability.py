"""The CapabilityStatement, built from the registry so it states exactly what is served."""

from django.utils import timezone

from pathways.fhir.registry import REGISTRY
from pathways.fhir.search import supported_params
from pathways.fhir.subscriptions.resource import capability_entry as subscription_entry

SECURITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def capability_statement(base_url: str) -> dict:
    resources = []
    for name in sorted(REGISTRY):
        resource = REGISTRY[name]
        entry = {
            "type": name,
            "interaction": [{"code": code} for code in resource.interactions],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
        }
        if "search-type" in resource.interactions:
            entry["searchParam"] = [
                {"name": p, "type": t, "documentation": d} for p, t, d in supported_params(resource)
            ]
        if resource.includes:
            entry["searchInclude"] = [f"{name}:{i.name}" for i in resource.includes]
        resources.append(entry)
    resources.append(subscription_entry())
    resources.sort(key=lambda r: r["type"])
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().isoformat(timespec="seconds"),
        "publisher": "Samhandling",
        "kind": "instance",
        "software": {"name": "Samhandling"},
        "implementation": {"description": "Samhandling FHIR R4 API", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Paging: follow Bundle.link next (a keyset cursor, _cursor); _count up "
                    "to 200, default 50."
                ),
                "security": {
                    "service": [{"coding": [{"system": SECURITY_SYSTEM, "code": "SMART-on-FHIR"}]}],
                    "description": (
                        "OAuth 2.0 client credentials with a signed JWT (SMART Backend "
                        "Services). Bearer access tokens from the configured issuer; scopes "
                        "system/*.read or system/<type>.read; system/ServiceRequest.write to "
                        "send referrals; system/Subscription.write to subscribe."
                    ),
                },
                "resource": resources,
                "interaction": [
                    {
                        "code": "transaction",
                        "documentation": (
                            "A referral: POST a transaction Bundle of Patient, ServiceRequest "
                            "and Task (optionally Consent and DocumentReference with the "
                            "attachment inline) to the base. Needs system/ServiceRequest.write; "
                            "Bundle.identifier is required and makes a resent Bundle answer "
                            "with the first response."
                        ),
                    }
                ],
            }
        ],
    }
