"""Organization (kommune, helseforetak) and HealthcareService (service units): directory
data, not patient data, so any authorised client may read all of it."""

from accounts.models import Organisation, ServiceUnit
from pathways.fhir import codes
from pathways.fhir.registry import ResourceType, SearchParam


def _identifier_filter(queryset, value):
    system, _, number = value.rpartition("|")
    if system and system != codes.ORG_NUMBER:
        return queryset.none()
    return queryset.filter(org_number=number)


def organization(org) -> dict:
    return codes.resource(
        "Organization",
        org,
        identifier=[{"system": codes.ORG_NUMBER, "value": org.org_number}]
        if org.org_number
        else [],
        active=True,
        type=[codes.concept(codes.ORG_LEVEL, org.level, org.get_level_display())],
        name=org.name,
    )


def healthcare_service(unit) -> dict:
    return codes.resource(
        "HealthcareService",
        unit,
        identifier=[{"system": codes.UNIT_ID, "value": str(unit.pk)}],
        active=True,
        providedBy=codes.ref("Organization", unit.organisation_id, unit.organisation.name),
        type=[codes.concept(codes.UNIT_KIND, unit.kind, unit.get_kind_display())],
        name=unit.name,
        telecom=[
            *([{"system": "phone", "value": unit.phone}] if unit.phone else []),
            *([{"system": "email", "value": unit.email}] if unit.email else []),
        ],
    )


def _organization_queryset():
    # No change time is kept for directory rows; lastUpdated is left out.
    return Organisation.objects.order_by("pk")


def _service_queryset():
    return ServiceUnit.objects.select_related("organisation").order_by("pk")


def _by_organization(queryset, value):
    return queryset.filter(organisation_id=int(value.rpartition("/")[2]))


RESOURCES = (
    ResourceType(
        name="Organization",
        queryset=_organization_queryset,
        to_fhir=organization,
        patient_field=None,
        params=(
            SearchParam("identifier", "token", _identifier_filter, "Organisation number"),
            SearchParam(
                "name", "string", lambda qs, v: qs.filter(name__icontains=v), "Part of the name"
            ),
        ),
    ),
    ResourceType(
        name="HealthcareService",
        queryset=_service_queryset,
        to_fhir=healthcare_service,
        patient_field=None,
        params=(SearchParam("organization", "reference", _by_organization, "The providing body"),),
    ),
)
