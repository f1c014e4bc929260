"""The ettervern plan and what follows a discharge: CarePlan (the plan), Appointment (the
follow-up appointments), DocumentReference and Binary (the plan as the PDF the patient takes
home).

Each is served beside the type's first model as a part (``ResourceType.parts``) with its own
id prefix, so ``CarePlan/ettervern-12`` never collides with the individuell plan
``CarePlan/12``, nor ``Appointment/oppfolging-12`` with the meeting ``Appointment/12``.

The PDF is made by the episodes feature; ``pathways.wiring`` puts its maker in
``ETTERVERN_PDF`` (the FHIR package does not import other features).
"""

from django.db.models import Case, CharField, Max, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.text import capfirst

from accounts.models import AuditEvent, Organisation, ServiceUnit
from pathways.fhir import codes
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import Include, ResourceType, SearchParam
from pathways.fhir.search import date_filter, fixed_token
from pathways.models import (
    CareTeamMember,
    CrisisContact,
    CrisisPlan,
    EttervernPlan,
    FollowUpAppointment,
)

PREFIX = "ettervern-"
FOLLOW_UP_PREFIX = "oppfolging-"
KIND = "ettervern-plan"
TITLE = "Ettervernsplan"
PDF = "application/pdf"
# (plan) -> PDF bytes; filled by ``pathways.wiring.register``.
ETTERVERN_PDF: list = []

# CarePlan.status: the plan is agreed when both sides have signed it, and over when the
# agreed way back has run out (without a way back it stays in force).
PLAN_STATUSES = {"draft": ("draft",), "active": ("active",), "completed": ("completed",)}
# Appointment.status: the kommune records whether the patient came.
FOLLOW_UP_STATUSES = {
    "booked": ("booked",),
    "fulfilled": ("fulfilled",),
    "noshow": ("noshow",),
    "cancelled": (),  # a follow-up appointment is never cancelled, only recorded
}
WAYS_BACK = (EttervernPlan.Return.OPEN_RETURN, EttervernPlan.Return.SELF_REFERRAL_BED)
# The kommune units that write the kommune part, as on the printed plan (NAV and the GP are
# on the team but not the plan's authors).
NOT_AUTHORS = (ServiceUnit.Kind.NAV, ServiceUnit.Kind.FASTLEGE)
# The plan's texts beyond the summary, in the order of the printed plan.
NOTE_FIELDS = (
    "medication",
    "lar_prescriber",
    "lar_dispensing",
    "risk",
    "recommendations",
    "housing",
    "economy",
    "activity",
    "network",
    "nav",
    "prison",
    "met_by",
)
CRISIS_FIELDS = ("warning_signs", "triggers", "what_helps", "wishes", "emergency")


def _label(model, name) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def plan_ref(plan_pk) -> dict:
    return codes.ref("CarePlan", f"{PREFIX}{plan_pk}")


def follow_up_ref(appointment) -> dict:
    return codes.ref("Appointment", f"{FOLLOW_UP_PREFIX}{appointment.pk}")


def _discharge(episode):
    """The day the plan starts to apply: the discharge, or the planned one during the stay."""
    return episode.ended_at or episode.planned_end


def crisis_activity(crisis) -> dict | None:
    """The patient's one crisis plan, summarised as an activity of both the individuell plan
    and the ettervern plan (both show it): what to look for, what helps and whom to call."""
    if crisis is None:
        return None
    lines = [
        f"{_label(CrisisPlan, name)}: {text}"
        for name in CRISIS_FIELDS
        if (text := getattr(crisis, name).strip())
    ]
    for contact in crisis.contacts.all():
        role = contact.role_display
        parts = [contact.display_name, f"({role})" if role else "", contact.contact_phone]
        lines.append(" ".join(p for p in (*parts, contact.when) if p))
    display = capfirst(str(CrisisPlan._meta.verbose_name))
    detail = {
        "code": codes.concept(codes.PLAN_KIND, "kriseplan", display),
        "status": "in-progress",
        "description": "\n".join(lines) or display,
    }
    return {"detail": detail}


def _way_back_activity(plan) -> dict | None:
    """The agreed way back in (open return, self-referral bed): the unit, until when, and on
    what conditions."""
    if plan.return_kind not in WAYS_BACK:
        return None
    expired = plan.return_valid_until and plan.return_valid_until < timezone.localdate()
    detail = {
        "kind": "ServiceRequest",
        "code": codes.concept(codes.WAY_BACK, plan.return_kind, plan.get_return_kind_display()),
        "status": "stopped" if expired else "not-started",
        "scheduledPeriod": codes.period(_discharge(plan.episode), plan.return_valid_until),
        "performer": [codes.org_ref(plan.return_unit)] if plan.return_unit_id else [],
        "description": plan.return_conditions or plan.get_return_kind_display(),
    }
    return {"detail": {k: v for k, v in detail.items() if v not in ("", [], {}, None)}}


def _booked_activity(when, label: str, with_whom: str = "") -> dict:
    """An appointment the plan names that is not (yet) a follow-up appointment of its own;
    whether it took place is not recorded, so once its time has passed that is unknown."""
    description = f"{label}: {with_whom}" if with_whom else label
    detail = {
        "kind": "Appointment",
        "status": "unknown" if when <= timezone.now() else "scheduled",
        "scheduledPeriod": codes.period(when),
        "description": description,
    }
    return {"detail": detail}


def _activities(plan) -> list:
    follow_ups = list(plan.episode.follow_ups.all())
    found = [crisis_activity(plan.patient.fhir_crisis), _way_back_activity(plan)]
    # The first kommune appointment becomes a follow-up appointment at the discharge; until
    # then the plan's own note of it is all there is.
    if plan.first_appointment_at and not any(a.is_first_kommune for a in follow_ups):
        found.append(
            _booked_activity(
                plan.first_appointment_at,
                _label(EttervernPlan, "first_appointment_at"),
                plan.first_appointment_with,
            )
        )
    if plan.fastlege_appointment_at:
        found.append(
            _booked_activity(
                plan.fastlege_appointment_at, _label(EttervernPlan, "fastlege_appointment_at")
            )
        )
    found.extend({"reference": follow_up_ref(a)} for a in follow_ups)
    return [a for a in found if a]


def _notes(plan) -> list:
    notes = []
    for name in NOTE_FIELDS:
        text = getattr(plan, name).strip()
        if text:
            notes.append({"text": f"{_label(EttervernPlan, name)}: {text}"})
    if plan.risk_communicated:
        notes.append({"text": _label(EttervernPlan, "risk_communicated")})
    if plan.release_date:
        label = _label(EttervernPlan, "release_date")
        notes.append({"text": f"{label}: {codes.date(plan.release_date)}"})
    return notes


def care_plan(plan) -> dict:
    episode = plan.episode
    kommune_units = [m.unit for m in plan.patient.fhir_kommune_members]
    return codes.resource(
        "CarePlan",
        plan,
        pk=f"{PREFIX}{plan.pk}",
        status=plan.fhir_status,
        intent="plan",
        category=[
            codes.concept(codes.PLAN_KIND, KIND, TITLE),
            codes.concept(codes.ETTERVERN_VARIANT, plan.variant, plan.get_variant_display()),
        ],
        title=TITLE,
        description=plan.summary,
        subject=codes.ref("Patient", plan.patient_id),
        encounter=codes.ref("Encounter", plan.episode_id),
        period=codes.period(_discharge(episode), plan.return_valid_until),
        created=codes.instant(plan.created_at),
        author=codes.org_ref(episode.unit),
        contributor=[codes.org_ref(episode.unit), *(codes.org_ref(u) for u in kommune_units)],
        careTeam=[codes.ref("CareTeam", plan.patient_id)],
        activity=_activities(plan),
        note=_notes(plan),
    )


def _plan_status():
    signed = Q(specialist_signed_at__isnull=False, kommune_signed_at__isnull=False)
    return Case(
        When(~signed, then=Value("draft")),
        When(return_valid_until__lt=timezone.localdate(), then=Value("completed")),
        default=Value("active"),
        output_field=CharField(),
    )


def _plan_updated():
    latest_follow_up = Subquery(
        FollowUpAppointment.objects.filter(episode=OuterRef("episode"))
        .values("episode")
        .annotate(at=Max("created_at"))
        .values("at")[:1]
    )
    return Greatest(
        "created_at",
        "updated_at",
        Coalesce("specialist_signed_at", "created_at"),
        Coalesce("kommune_signed_at", "created_at"),
        Coalesce(latest_follow_up, "created_at"),
        Coalesce("patient__crisis_plan__updated_at", "created_at"),
    )


def crisis_prefetch() -> Prefetch:
    """The patient's crisis plan with its contacts as ``patient.fhir_crisis`` (None when
    there is none), for a queryset that selects the patient: two queries for a page."""
    crisis = CrisisPlan.objects.prefetch_related(
        Prefetch("contacts", queryset=CrisisContact.objects.select_related("next_of_kin"))
    )
    return Prefetch("patient__crisis_plan", queryset=crisis, to_attr="fhir_crisis")


def _plans():
    kommune = (
        CareTeamMember.objects.active()
        .filter(unit__organisation__level=Organisation.Level.KOMMUNE)
        .exclude(unit__kind__in=NOT_AUTHORS)
        .select_related("unit__organisation")
        .order_by("pk")
    )
    return (
        EttervernPlan.objects.select_related(
            "episode__unit__organisation", "return_unit__organisation", "patient"
        )
        .annotate(fhir_updated=_plan_updated(), fhir_status=_plan_status())
        .prefetch_related(
            Prefetch(
                "episode__follow_ups",
                queryset=FollowUpAppointment.objects.order_by("at", "pk").only(
                    "pk", "episode_id", "at", "is_first_kommune"
                ),
            ),
            Prefetch("patient__care_team", queryset=kommune, to_attr="fhir_kommune_members"),
            crisis_prefetch(),
        )
    )


def plan_kind_param(code):
    """``category``: the kind of plan, beside the individuell plan's own."""
    return SearchParam(
        "category",
        "token",
        fixed_token(codes.PLAN_KIND, code),
        f"The kind of plan ({codes.PLAN_KIND}): individuell-plan, {KIND}",
    )


CARE_PLAN = ResourceType(
    name="CarePlan",
    queryset=_plans,
    to_fhir=care_plan,
    patient_field="patient_id",
    status_field="fhir_status",
    statuses=PLAN_STATUSES,
    params=(plan_kind_param(KIND),),
    includes=(
        PATIENT_INCLUDE,
        Include("care-team", "CareTeam", lambda plan: [plan.patient_id]),
    ),
    id_prefix=PREFIX,
)


# --- follow-up appointments ---------------------------------------------------------------


def appointment(a) -> dict:
    kind = "Første kommunale avtale" if a.is_first_kommune else "Oppfølging etter utskrivning"
    participants = [
        {"actor": codes.ref("Patient", a.patient_id), "status": "accepted"},
        {"actor": codes.ref("HealthcareService", a.unit_id, a.unit.name), "status": "accepted"},
    ]
    if a.with_whom and a.with_whom != a.unit.name:
        participants.append({"actor": {"display": a.with_whom}, "status": "accepted"})
    return codes.resource(
        "Appointment",
        a,
        pk=f"{FOLLOW_UP_PREFIX}{a.pk}",
        status=a.fhir_status,
        serviceType=[{"text": "Oppfølging etter utskrivning"}],
        description=kind,
        supportingInformation=[codes.ref("Encounter", a.episode_id)],
        start=codes.instant(a.at),
        # No length is recorded; R4 wants an end beside the start of a booked appointment.
        end=codes.instant(a.at),
        created=codes.date(a.created_at),
        comment=a.with_whom,
        participant=participants,
    )


def _follow_ups():
    return (
        FollowUpAppointment.objects.select_related("unit")
        .annotate(
            fhir_updated=Greatest("created_at", Coalesce("recorded_at", "created_at")),
            fhir_status=Case(
                When(attended=True, then=Value("fulfilled")),
                When(attended=False, then=Value("noshow")),
                default=Value("booked"),
                output_field=CharField(),
            ),
        )
        .order_by()
    )


APPOINTMENT = ResourceType(
    name="Appointment",
    queryset=_follow_ups,
    to_fhir=appointment,
    patient_field="patient_id",
    status_field="fhir_status",
    statuses=FOLLOW_UP_STATUSES,
    params=(SearchParam("date", "date", date_filter("at"), "Start of the appointment"),),
    includes=(PATIENT_INCLUDE,),
    id_prefix=FOLLOW_UP_PREFIX,
)


# --- the plan as the printed PDF ----------------------------------------------------------


def _document_title(plan) -> str:
    day = _discharge(plan.episode)
    return f"{TITLE}, {plan.episode.unit.name}" + (f", {codes.date(day)}" if day else "")


def document_reference(plan) -> dict:
    title = _document_title(plan)
    return codes.resource(
        "DocumentReference",
        plan,
        pk=f"{PREFIX}{plan.pk}",
        status="current",
        docStatus="final" if plan.is_signed else "preliminary",
        type={"text": TITLE},
        category=[codes.concept(codes.PLAN_KIND, KIND, TITLE)],
        subject=codes.ref("Patient", plan.patient_id),
        date=codes.instant(plan.fhir_updated),
        author=[codes.org_ref(plan.episode.unit)],
        description=title,
        content=[
            {
                "attachment": {
                    "contentType": PDF,
                    "language": "nb",
                    "url": f"Binary/{PREFIX}{plan.pk}",
                    "title": f"{title}.pdf",
                }
            }
        ],
        context={
            "encounter": [codes.ref("Encounter", plan.episode_id)],
            "related": [plan_ref(plan.pk)],
        },
    )


def pdf(plan) -> tuple[bytes, str]:
    (make,) = ETTERVERN_PDF
    return make(plan), PDF


def binary(plan) -> dict:
    data, content_type = pdf(plan)
    return codes.binary(
        plan, data, content_type, patient_id=plan.patient_id, pk=f"{PREFIX}{plan.pk}"
    )


def _documents():
    return EttervernPlan.objects.select_related("episode__unit__organisation").annotate(
        fhir_updated=_plan_updated()
    )


DOCUMENT_REFERENCE = ResourceType(
    name="DocumentReference",
    queryset=_documents,
    to_fhir=document_reference,
    patient_field="patient_id",
    includes=(PATIENT_INCLUDE,),
    id_prefix=PREFIX,
)
BINARY = ResourceType(
    name="Binary",
    queryset=_documents,
    to_fhir=binary,
    patient_field="patient_id",
    interactions=("read",),
    raw=pdf,
    # The whole plan leaves the service: logged as an export, like a download.
    audit_action=AuditEvent.Action.EXPORT,
    id_prefix=PREFIX,
)
