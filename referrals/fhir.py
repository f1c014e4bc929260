"""Referrals as FHIR: the henvisning is a ServiceRequest, its state a Task (IHE/ Norwegian
e-henvisning pattern). Registered into the API by ``ReferralsConfig.ready()``, so pathways
never imports referrals.

Both resources take the referral's id. A forwarded referral is a new ServiceRequest that
``replaces`` the one it came from and keeps its seniority date (ansiennitetsdato).
"""

from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest

from pathways.fhir import codes
from pathways.fhir.registry import Include, ResourceType, register
from referrals.models import Referral

State = Referral.State

SERVICE_REQUEST_STATUS = {
    State.DRAFT: "draft",
    State.RECEIVED: "active",
    State.UNDER_ASSESSMENT: "active",
    State.GRANTED: "active",
    State.TREATMENT_STARTED: "active",
    State.REJECTED: "revoked",
    State.WITHDRAWN: "revoked",
    State.COMPLETED: "completed",
    State.CLOSED: "completed",
}
TASK_STATUS = {
    State.DRAFT: "draft",
    State.RECEIVED: "received",
    State.UNDER_ASSESSMENT: "in-progress",
    State.GRANTED: "accepted",
    State.TREATMENT_STARTED: "in-progress",
    State.REJECTED: "rejected",
    State.WITHDRAWN: "cancelled",
    State.COMPLETED: "completed",
    State.CLOSED: "completed",
}
PRIORITY = {Referral.Urgency.ORDINARY: "routine", Referral.Urgency.URGENT: "urgent"}


def _inverse(mapping):
    out = {}
    for ours, theirs in mapping.items():
        out[theirs] = (*out.get(theirs, ()), ours)
    return out


def service_request(r) -> dict:
    extensions = []
    if r.seniority_date:
        extensions.append({"url": codes.SENIORITY_DATE, "valueDate": codes.date(r.seniority_date)})
    notes = [
        {"text": text}
        for text in (r.substance_use, r.mental_health, r.existing_services, r.patient_wishes)
        if text
    ]
    return codes.resource(
        "ServiceRequest",
        r,
        extension=extensions,
        identifier=[{"system": f"{codes.CANONICAL}/sid/referral-chain", "value": str(r.chain)}],
        replaces=[codes.ref("ServiceRequest", r.forwarded_from_id)] if r.forwarded_from_id else [],
        status=SERVICE_REQUEST_STATUS[r.state],
        intent="order",
        priority=PRIORITY[r.urgency],
        code={"text": r.get_help_kind_display() if r.help_kind else r.question[:200]},
        subject=codes.ref("Patient", r.patient_id),
        authoredOn=codes.instant(r.sent_at or r.created_at),
        requester=codes.org_ref(r.referring_unit),
        performer=[codes.org_ref(r.receiving_unit)],
        reasonCode=[{"text": r.reason}],
        note=[{"text": r.question}, *notes],
    )


def task(r) -> dict:
    restriction = {}
    if r.start_deadline:
        # The frist: treatment must start by this date.
        restriction = {"period": {"end": codes.date(r.start_deadline)}}
    reason = r.rejection_reason or r.withdrawn_reason or r.closed_reason
    return codes.resource(
        "Task",
        r,
        basedOn=[],
        status=TASK_STATUS[r.state],
        businessStatus=codes.concept(codes.REFERRAL_STATE, r.state, r.get_state_display()),
        intent="order",
        priority=PRIORITY[r.urgency],
        focus=codes.ref("ServiceRequest", r.pk),
        **{"for": codes.ref("Patient", r.patient_id)},
        authoredOn=codes.instant(r.sent_at or r.created_at),
        lastModified=codes.instant(r.fhir_updated),
        requester=codes.org_ref(r.referring_unit),
        owner=codes.org_ref(r.receiving_unit),
        statusReason={"text": reason} if reason else None,
        restriction=restriction,
        executionPeriod=codes.period(r.received_on, r.ended_at),
        encounter=codes.ref("Encounter", r.treatment_episode_id)
        if r.treatment_episode_id
        else None,
    )


def _referrals():
    changed = [
        Coalesce(name, "created_at")
        for name in ("sent_at", "assessed_at", "ended_at", "assessment_started_at")
    ]
    return Referral.objects.select_related(
        "referring_unit__organisation", "receiving_unit__organisation"
    ).annotate(fhir_updated=Greatest("created_at", *changed))


def _drafts_of_own_units(client) -> Q:
    """A draft is seen only by its own organisation's units, as on the referral pages."""
    return ~Q(state=State.DRAFT) | Q(referring_unit__organisation_id=client.organisation_id)


PATIENT = Include("patient", "Patient", lambda r: [r.fhir_patient_id])

RESOURCES = (
    ResourceType(
        name="ServiceRequest",
        queryset=_referrals,
        to_fhir=service_request,
        patient_field="patient_id",
        status_field="state",
        statuses=_inverse(SERVICE_REQUEST_STATUS),
        includes=(PATIENT,),
        client_scope=_drafts_of_own_units,
    ),
    ResourceType(
        name="Task",
        queryset=_referrals,
        to_fhir=task,
        patient_field="patient_id",
        status_field="state",
        statuses=_inverse(TASK_STATUS),
        includes=(PATIENT, Include("focus", "ServiceRequest", lambda r: [r.pk])),
        client_scope=_drafts_of_own_units,
    ),
)


def task_change(r):
    """(Task id, patient id, Task status) for FHIR subscriptions; a draft is nobody's news."""
    if r.state == State.DRAFT:
        return None
    return r.pk, r.patient_id, TASK_STATUS[r.state]


def register_all() -> None:
    for resource in RESOURCES:
        register(resource)
