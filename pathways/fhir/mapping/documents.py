"""DocumentReference and Binary: the individuell plan as the PDF coordinators print, and
beside it the ettervern plan's PDF (``mapping.ettervern``, ids ``ettervern-<plan id>``) and
the published minutes of an ansvarsgruppe meeting (ids ``referat-<meeting id>``).

The PDFs are made by their features; ``pathways.wiring`` puts the makers in ``PLAN_PDF`` and
``MINUTES_PDF`` (the FHIR package does not import other features). ``Binary/<id>`` answers
with the PDF itself, or with a Binary resource (base64) when the client asks for FHIR JSON.
"""

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from accounts.models import AuditEvent
from pathways.fhir import codes
from pathways.fhir.mapping import ettervern
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import ResourceType
from pathways.models import Addendum, IndividualPlan, Meeting, PlanRevision

# (plan) -> PDF bytes, (meeting) -> PDF bytes; filled by ``pathways.wiring.register``.
PLAN_PDF: list = []
MINUTES_PDF: list = []
MINUTES_PREFIX = "referat-"
MINUTES = "Referat fra ansvarsgruppemøte"
PDF = "application/pdf"
DOC_STATUS = {
    IndividualPlan.Status.IN_PROGRESS: "preliminary",
    IndividualPlan.Status.ACTIVE: "final",
    IndividualPlan.Status.CLOSED: "final",
}


def _title(plan) -> str:
    return f"Individuell plan, versjon {plan.version}"


def document_reference(plan) -> dict:
    return codes.resource(
        "DocumentReference",
        plan,
        status="current",
        docStatus=DOC_STATUS[plan.status],
        type={"text": "Individuell plan"},
        category=[codes.concept(codes.PLAN_KIND, "individuell-plan", "Individuell plan")],
        subject=codes.ref("Patient", plan.patient_id),
        date=codes.instant(plan.fhir_updated),
        author=[codes.org_ref(plan.owner_unit)],
        description=_title(plan),
        content=[
            {
                "attachment": {
                    "contentType": PDF,
                    "language": "nb",
                    "url": f"Binary/{plan.pk}",
                    "title": f"{_title(plan)}.pdf",
                }
            }
        ],
        context={"related": [codes.ref("CarePlan", plan.pk)]},
    )


def pdf(plan) -> tuple[bytes, str]:
    (make,) = PLAN_PDF
    return make(plan), PDF


def binary(plan) -> dict:
    data, content_type = pdf(plan)
    return codes.binary(plan, data, content_type, patient_id=plan.patient_id)


def _plans():
    latest_revision = Subquery(
        PlanRevision.objects.filter(plan=OuterRef("pk")).order_by("-at").values("at")[:1]
    )
    return IndividualPlan.objects.select_related(
        "owner_unit__organisation", "patient__home_kommune"
    ).annotate(
        fhir_updated=Greatest(
            "created_at",
            Coalesce("closed_at", "created_at"),
            Coalesce(latest_revision, "created_at"),
        )
    )


def _minutes_title(meeting) -> str:
    return f"{MINUTES} {codes.date(meeting.starts_at)}"


def minutes_document(meeting) -> dict:
    title = _minutes_title(meeting)
    author = meeting.published_by
    return codes.resource(
        "DocumentReference",
        meeting,
        pk=f"{MINUTES_PREFIX}{meeting.pk}",
        status="current",
        # An addendum after publishing changes the minutes without replacing them.
        docStatus="amended" if meeting.fhir_last_addendum else "final",
        type={"text": MINUTES},
        category=[codes.concept(codes.DOCUMENT_KIND, "ansvarsgruppe-referat", MINUTES)],
        subject=codes.ref("Patient", meeting.patient_id),
        date=codes.instant(meeting.fhir_updated),
        author=[codes.ref("Practitioner", author.pk, author.get_full_name())] if author else [],
        description=title,
        content=[
            {
                "attachment": {
                    "contentType": PDF,
                    "language": "nb",
                    "url": f"Binary/{MINUTES_PREFIX}{meeting.pk}",
                    "title": f"{title}.pdf",
                }
            }
        ],
        context={
            "period": codes.period(meeting.starts_at, meeting.ends_at),
            "related": [codes.ref("Appointment", meeting.pk)],
        },
    )


def minutes_pdf(meeting) -> tuple[bytes, str]:
    (make,) = MINUTES_PDF
    return make(meeting), PDF


def minutes_binary(meeting) -> dict:
    data, content_type = minutes_pdf(meeting)
    return codes.binary(
        meeting,
        data,
        content_type,
        patient_id=meeting.patient_id,
        pk=f"{MINUTES_PREFIX}{meeting.pk}",
    )


def _minutes():
    """Published minutes only: before publishing they are the leader's draft."""
    latest_addendum = Subquery(
        Addendum.objects.filter(meeting=OuterRef("pk")).order_by("-added_at").values("added_at")[:1]
    )
    return (
        Meeting.objects.filter(state=Meeting.State.HELD, published_at__isnull=False)
        .select_related("published_by")
        .annotate(
            fhir_last_addendum=latest_addendum,
            fhir_updated=Greatest("published_at", Coalesce(latest_addendum, "published_at")),
        )
    )


MINUTES_DOCUMENT = ResourceType(
    name="DocumentReference",
    queryset=_minutes,
    to_fhir=minutes_document,
    patient_field="patient_id",
    includes=(PATIENT_INCLUDE,),
    id_prefix=MINUTES_PREFIX,
)
MINUTES_BINARY = ResourceType(
    name="Binary",
    queryset=_minutes,
    to_fhir=minutes_binary,
    patient_field="patient_id",
    interactions=("read",),
    raw=minutes_pdf,
    audit_action=AuditEvent.Action.EXPORT,
    id_prefix=MINUTES_PREFIX,
)

RESOURCES = (
    ResourceType(
        name="DocumentReference",
        queryset=_plans,
        to_fhir=document_reference,
        patient_field="patient_id",
        includes=(PATIENT_INCLUDE,),
        parts=(ettervern.DOCUMENT_REFERENCE, MINUTES_DOCUMENT),
    ),
    ResourceType(
        name="Binary",
        queryset=_plans,
        to_fhir=binary,
        patient_field="patient_id",
        interactions=("read",),
        raw=pdf,
        # The whole plan leaves the service: logged as an export, like a download.
        audit_action=AuditEvent.Action.EXPORT,
        parts=(ettervern.BINARY, MINUTES_BINARY),
    ),
)
