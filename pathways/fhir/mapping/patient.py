"""Patient, RelatedPerson (next of kin), CareTeam, EpisodeOfCare (the pathway) and Consent.

The pathway is one per patient, so CareTeam and EpisodeOfCare take the patient's id.
"""

import datetime
import re

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Greatest

from pathways.fhir import codes
from pathways.fhir.registry import Include, ResourceType, SearchParam
from pathways.models import CareTeamMember, Consent, CoordinatorAssignment, NextOfKin, Patient

ID_SYSTEMS = {
    Patient.IdKind.FNR: codes.FNR,
    Patient.IdKind.DNR: codes.DNR,
    Patient.IdKind.HNR: codes.HNR,
    Patient.IdKind.SYNTHETIC: codes.SYNTHETIC_ID,
}
SYSTEM_KINDS = {system: kind for kind, system in ID_SYSTEMS.items()}


def _identifier_filter(queryset, value):
    """``identifier=<system>|<value>`` (or a bare value): a lookup by national id."""
    system, bar, number = value.rpartition("|")
    if bar and system:
        kind = SYSTEM_KINDS.get(system)
        if kind is None:
            return queryset.none()
        return queryset.filter(national_id=number, id_kind=kind)
    return queryset.filter(national_id=number)


def patient(p) -> dict:
    identifiers = [{"system": codes.LOCAL_ID, "value": str(p.pk)}]
    if p.national_id:
        identifiers.insert(
            0, {"use": "official", "system": ID_SYSTEMS[p.id_kind], "value": p.national_id}
        )
    extensions = []
    if p.needs_interpreter:
        extensions.append({"url": codes.INTERPRETER_REQUIRED, "valueBoolean": True})
    return codes.resource(
        "Patient",
        p,
        extension=extensions,
        identifier=identifiers,
        active=True,
        name=[{"use": "official", "family": p.last_name, "given": [p.first_name]}],
        telecom=[{"system": "phone", "value": p.phone}] if p.phone else [],
        birthDate=codes.date(p.birth_date),
        address=[{"text": p.address}] if p.address else [],
        communication=[{"language": {"text": p.interpreter_language}}]
        if p.interpreter_language
        else [],
        managingOrganization=codes.org_ref(p.registered_by_unit),
    )


def related_person(kin) -> dict:
    return codes.resource(
        "RelatedPerson",
        kin,
        active=True,
        patient=codes.ref("Patient", kin.patient_id),
        relationship=[{"text": kin.relation}],
        name=[{"text": kin.name}],
        telecom=[{"system": "phone", "value": kin.phone}] if kin.phone else [],
    )


def _members(p):
    return [m for m in p.care_team.all() if m.ended_at is None]


def care_team(p) -> dict:
    return codes.resource(
        "CareTeam",
        p,
        status="active" if _members(p) else "inactive",
        name=f"Samhandlingsteam {p.pk}",
        subject=codes.ref("Patient", p.pk),
        participant=[
            {
                "role": [
                    codes.concept(codes.CARE_TEAM_ROLE, m.role, m.get_role_display()),
                    codes.concept(codes.CARE_TEAM_BASIS, m.basis, m.get_basis_display()),
                ],
                "member": codes.org_ref(m.unit),
                "period": codes.period(m.started_at),
            }
            for m in _members(p)
        ],
        managingOrganization=[codes.org_ref(p.registered_by_unit)],
    )


def episode_of_care(p) -> dict:
    members = _members(p)
    coordinators = [c for c in p.coordinators.all() if c.ended_at is None]
    return codes.resource(
        "EpisodeOfCare",
        p,
        status="active" if members else "finished",
        type=[{"text": "Samhandlingsforløp rus og psykisk helse"}],
        patient=codes.ref("Patient", p.pk),
        managingOrganization=codes.org_ref(
            coordinators[0].unit if coordinators else p.registered_by_unit
        ),
        period=codes.period(p.created_at),
        careManager=codes.ref(
            "Practitioner", coordinators[0].user_id, coordinators[0].user.get_full_name()
        )
        if coordinators
        else None,
        team=[codes.ref("CareTeam", p.pk)],
    )


def consent(c) -> dict:
    # Withdrawn or run out: no longer in force.
    status = "active" if c.is_in_force else "inactive"
    provision = {"type": "permit", "period": codes.period(c.given_on, c.valid_until)}
    if c.unit_id:
        provision["actor"] = [
            {
                "role": codes.concept(
                    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP"
                ),
                "reference": codes.org_ref(c.unit),
            }
        ]
    return codes.resource(
        "Consent",
        c,
        status=status,
        scope=codes.concept(
            "http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"
        ),
        category=[
            codes.concept(codes.CONSENT_SCOPE, c.scope, c.get_scope_display()),
            codes.concept("http://loinc.org", "59284-0", "Patient Consent"),
        ],
        patient=codes.ref("Patient", c.patient_id),
        dateTime=codes.instant(c.recorded_at),
        policyRule=codes.concept(codes.V3_ACT_CODE, "OPTIN"),
        provision=provision,
    )


def _team_changed():
    """The latest start or end on the patient's care team."""
    return Subquery(
        CareTeamMember.objects.filter(patient=OuterRef("pk"))
        .annotate(t=Greatest("started_at", Coalesce("ended_at", "started_at")))
        .order_by("-t")
        .values("t")[:1]
    )


def _coordinators_changed():
    """The latest start or end of a koordinator (EpisodeOfCare.careManager)."""
    return Subquery(
        CoordinatorAssignment.objects.filter(patient=OuterRef("pk"))
        .annotate(t=Greatest("started_at", Coalesce("ended_at", "started_at")))
        .order_by("-t")
        .values("t")[:1]
    )


def _patients():
    # ``changed_at`` is moved by the database with every change of the row (pathways 0031).
    return Patient.objects.select_related("registered_by_unit__organisation").annotate(
        fhir_updated=F("changed_at")
    )


def _teams():
    return (
        Patient.objects.select_related("registered_by_unit__organisation")
        .annotate(
            fhir_updated=Greatest(
                "changed_at",
                Coalesce(_team_changed(), "changed_at"),
                Coalesce(_coordinators_changed(), "changed_at"),
            )
        )
        .prefetch_related(
            Prefetch(
                "care_team",
                queryset=CareTeamMember.objects.select_related("unit__organisation").order_by(
                    "started_at", "pk"
                ),
            ),
            Prefetch(
                "coordinators",
                queryset=CoordinatorAssignment.objects.select_related("unit__organisation", "user"),
            ),
        )
    )


def _kin():
    return NextOfKin.objects.annotate(fhir_updated=F("changed_at"))


def _consents():
    return Consent.objects.select_related("unit__organisation").annotate(
        fhir_updated=Greatest("recorded_at", Coalesce("withdrawn_at", "recorded_at"))
    )


def _consent_status(queryset, value):
    wanted = set(value.split(","))
    unknown = wanted - {"active", "inactive"}
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    if wanted == {"active"}:
        return queryset.filter(pk__in=Consent.objects.in_force().values("pk"))
    if wanted == {"inactive"}:
        return queryset.exclude(pk__in=Consent.objects.in_force().values("pk"))
    return queryset


def _team_status(queryset, value):
    wanted = set(value.split(","))
    unknown = wanted - {"active", "inactive", "finished"}
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    active = CareTeamMember.objects.filter(patient=OuterRef("pk"), ended_at__isnull=True)
    has = Exists(active)
    if wanted >= {"active", "inactive"} or wanted >= {"active", "finished"}:
        return queryset
    return queryset.filter(has) if "active" in wanted else queryset.exclude(has)


def _name_part(*fields):
    """A string parameter as R4 searches one: a case-insensitive start of any part of the
    name (``Nord`` finds Nordmann; ``Jo`` finds the given names Ola Johan)."""

    def apply(queryset, value):
        value = value.strip()
        if not value:
            raise ValueError(value)
        match = Q()
        for name in fields:
            match |= Q(**{f"{name}__istartswith": value})
            match |= Q(**{f"{name}__icontains": f" {value}"})
            match |= Q(**{f"{name}__icontains": f"-{value}"})
        return queryset.filter(match)

    return apply


def _birthdate(queryset, value):
    """``birthdate=[eq|ne|lt|gt|le|ge]YYYY-MM-DD``, or a year or a month (eq only)."""
    match = re.fullmatch(r"(eq|ne|lt|gt|le|ge)?(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if match is None:
        raise ValueError(value)
    prefix, year, month, day = match.groups()
    prefix = prefix or "eq"
    if day is None:
        if prefix != "eq":
            raise ValueError(value)
        if month is None:
            return queryset.filter(birth_date__year=int(year))
        return queryset.filter(birth_date__year=int(year), birth_date__month=int(month))
    when = datetime.date(int(year), int(month), int(day))  # ValueError for no such day
    if prefix == "ne":
        return queryset.exclude(birth_date=when)
    lookup = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}[prefix]
    return queryset.filter(**{f"birth_date__{lookup}": when})


PATIENT_INCLUDE = Include("patient", "Patient", lambda obj: [obj.fhir_patient_id])

RESOURCES = (
    ResourceType(
        name="Patient",
        queryset=_patients,
        to_fhir=patient,
        patient_field="pk",
        params=(
            SearchParam(
                "identifier",
                "token",
                _identifier_filter,
                "National id: fødselsnummer, D-nummer or H-nummer (system|value)",
            ),
            SearchParam(
                "name", "string", _name_part("first_name", "last_name"), "Any part of the name"
            ),
            SearchParam("family", "string", _name_part("last_name"), "The family name"),
            SearchParam("given", "string", _name_part("first_name"), "A given name"),
            SearchParam(
                "birthdate",
                "date",
                _birthdate,
                "Date of birth (prefixes eq ne gt ge lt le; a year or a month with eq)",
            ),
        ),
    ),
    ResourceType(
        name="RelatedPerson",
        queryset=_kin,
        to_fhir=related_person,
        patient_field="patient_id",
        includes=(PATIENT_INCLUDE,),
    ),
    ResourceType(
        name="CareTeam",
        queryset=_teams,
        to_fhir=care_team,
        patient_field="pk",
        params=(SearchParam("status", "token", _team_status, "active, inactive"),),
        includes=(PATIENT_INCLUDE,),
    ),
    ResourceType(
        name="EpisodeOfCare",
        queryset=_teams,
        to_fhir=episode_of_care,
        patient_field="pk",
        params=(SearchParam("status", "token", _team_status, "active, finished"),),
        # R4 has no EpisodeOfCare care-team parameter (its team is read with CareTeam?patient=).
        includes=(PATIENT_INCLUDE,),
    ),
    ResourceType(
        name="Consent",
        queryset=_consents,
        to_fhir=consent,
        patient_field="patient_id",
        params=(SearchParam("status", "token", _consent_status, "active, inactive"),),
        includes=(PATIENT_INCLUDE,),
    ),
)
