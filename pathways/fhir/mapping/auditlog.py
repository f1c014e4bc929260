"""AuditEvent: the patient's access log (the same rows the log page shows)."""

from django.db.models import F

from accounts.models import AuditEvent
from pathways.fhir import codes
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import ResourceType, SearchParam
from pathways.fhir.search import date_filter

Action = AuditEvent.Action
DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_ACTION = f"{codes.CANONICAL}/CodeSystem/audit-action"
# FHIR's AuditEvent.action: C, R, U, D, E (execute).
ACTION = {
    Action.VIEW: "R",
    Action.CREATE: "C",
    Action.UPDATE: "U",
    Action.DELETE: "D",
    Action.PRINT: "R",
    Action.EXPORT: "R",
    Action.BREAK_GLASS: "E",
    Action.REVEAL_ID: "R",
    Action.LOGIN: "E",
    Action.LOOKUP: "E",
    Action.DENIED: "E",
}


def audit_event(event) -> dict:
    who = (event.user.get_full_name() or event.user.username) if event.user_id else "System"
    basis = f"{codes.CANONICAL}/CodeSystem/access-basis"
    agent = {
        "who": {"display": who},
        "requestor": True,
        "purposeOfUse": [codes.concept(basis, event.basis, event.get_basis_display())],
    }
    if event.unit_id:
        agent["who"] = {
            **codes.org_ref(event.unit),
            "display": f"{who}, {codes.unit_display(event.unit)}",
        }
    entity = {"what": codes.ref("Patient", event.patient_id)}
    if event.object_type:
        entity["description"] = f"{event.object_type} {event.object_id}".strip()
    return codes.resource(
        "AuditEvent",
        event,
        type=codes.coding(DCM, "110110", "Patient Record"),
        subtype=[codes.coding(AUDIT_ACTION, event.action, event.get_action_display())],
        action=ACTION.get(event.action, "E"),
        recorded=codes.instant(event.at),
        outcome="4" if event.action == Action.DENIED else "0",
        outcomeDesc=event.detail,
        agent=[agent],
        source={"observer": {"display": "Samhandling"}},
        entity=[entity],
    )


def _events():
    return AuditEvent.objects.select_related("user", "unit__organisation").annotate(
        fhir_updated=F("at")
    )


RESOURCES = (
    ResourceType(
        name="AuditEvent",
        queryset=_events,
        to_fhir=audit_event,
        patient_field="patient_id",
        params=(SearchParam("date", "date", date_filter("at"), "When it happened"),),
        includes=(PATIENT_INCLUDE,),
        # Reading the log is one read of the patient's log, not one per line of it.
        audit_each=False,
        # Every read writes to the log: it is read fresh.
        kept=False,
    ),
)
