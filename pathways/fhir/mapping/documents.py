"""DocumentReference and Binary: the individuell plan as the PDF coordinators print.

The PDF is made by the plan feature; ``pathways.wiring`` puts its maker in ``PLAN_PDF`` (the
FHIR package does not import other features). ``Binary/<plan id>`` answers with the PDF
itself, or with a Binary resource (base64) when the client asks for FHIR JSON.
"""

import base64

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from accounts.models import AuditEvent
from pathways.fhir import codes
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import ResourceType
from pathways.models import IndividualPlan, PlanRevision

# (plan) -> PDF bytes; filled by ``pathways.wiring.register``.
PLAN_PDF: list = []
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
    return codes.resource(
        "Binary",
        plan,
        contentType=content_type,
        securityContext=codes.ref("Patient", plan.patient_id),
        data=base64.b64encode(data).decode("ascii"),
    )


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


RESOURCES = (
    ResourceType(
        name="DocumentReference",
        queryset=_plans,
        to_fhir=document_reference,
        patient_field="patient_id",
        includes=(PATIENT_INCLUDE,),
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
    ),
)
