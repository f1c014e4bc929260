"""Organization (kommune, helseforetak) and HealthcareService (service units): directory
data, not patient data, so any authorised client may read all of it."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Membership, Organisation, ServiceUnit
from pathways.fhir import codes
from pathways.fhir.registry import Include, ResourceType, SearchParam


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
    return queryset.filter(organisation_id=codes.parse_id(value))


MEMBERSHIP_ROLE = f"{codes.CANONICAL}/CodeSystem/membership-role"


def practitioner(user) -> dict:
    return codes.resource(
        "Practitioner",
        user,
        active=user.is_active,
        name=[{"use": "official", "family": user.last_name, "given": [user.first_name]}]
        if user.last_name or user.first_name
        else [{"text": user.username}],
    )


def practitioner_role(membership) -> dict:
    today = timezone.localdate()
    unit = membership.unit
    return codes.resource(
        "PractitionerRole",
        membership,
        active=membership.active_from <= today
        and (membership.active_to is None or membership.active_to >= today),
        period=codes.period(membership.active_from, membership.active_to),
        practitioner=codes.ref("Practitioner", membership.user_id, membership.user.get_full_name()),
        organization=codes.ref("Organization", unit.organisation_id, unit.organisation.name),
        code=[
            codes.concept(MEMBERSHIP_ROLE, membership.role, membership.get_role_display()),
            *([{"text": membership.title}] if membership.title else []),
        ],
        healthcareService=[codes.ref("HealthcareService", unit.pk, unit.name)],
    )


def _practitioners():
    # Staff: people with a membership in a unit (API clients' service accounts have none).
    return get_user_model().objects.filter(pk__in=Membership.objects.values("user_id"))


def _roles():
    return Membership.objects.select_related("user", "unit__organisation")


def _by_practitioner(queryset, value):
    return queryset.filter(user_id=codes.parse_id(value))


def _by_role_organization(queryset, value):
    return queryset.filter(unit__organisation_id=codes.parse_id(value))


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
    ResourceType(
        name="Practitioner",
        queryset=_practitioners,
        to_fhir=practitioner,
        patient_field=None,
    ),
    ResourceType(
        name="PractitionerRole",
        queryset=_roles,
        to_fhir=practitioner_role,
        patient_field=None,
        params=(
            SearchParam("practitioner", "reference", _by_practitioner, "The person"),
            SearchParam("organization", "reference", _by_role_organization, "The organisation"),
        ),
        includes=(
            Include("practitioner", "Practitioner", lambda m: [m.user_id]),
            Include("service", "HealthcareService", lambda m: [m.unit_id]),
        ),
    ),
)
