"""Referrals as FHIR: the henvisning is a ServiceRequest, its state a Task (IHE/ Norwegian
e-henvisning pattern). Registered into the API by ``ReferralsConfig.ready()``, so pathways
never imports referrals.

Both resources take the referral's id. A forwarded referral is a new ServiceRequest that
``replaces`` the one it came from and keeps its seniority date (ansiennitetsdato).

A referral's attachments are DocumentReference and Binary beside the plans and minutes, ids
``vedlegg-<attachment id>``, added to those types as parts when registering.
"""

import dataclasses

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext

from accounts.models import AuditEvent
from pathways.fhir import codes
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import REGISTRY, Include, ResourceType, SearchParam, register
from referrals.models import Attachment, Referral

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
# Annotation.extension on ServiceRequest.note: which part of the referral a note is.
NOTE_SECTION = f"{codes.CANONICAL}/StructureDefinition/referral-note-section"
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
    # Each text marked with the part of the referral it is, so a record system can file it
    # (and send it back the same way: ``referrals.fhir_import``).
    notes = [
        {"extension": [{"url": NOTE_SECTION, "valueCode": section}], "text": text}
        for section, text in (
            ("question", r.question),
            ("substance-use", r.substance_use),
            ("mental-health", r.mental_health),
            ("existing-services", r.existing_services),
            ("patient-wishes", r.patient_wishes),
        )
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
        note=notes,
    )


def task(r) -> dict:
    restriction = {}
    if r.start_deadline:
        # The frist: treatment must start by this date.
        restriction = {"period": {"end": codes.date(r.start_deadline)}}
    reason = r.rejection_reason or r.withdrawn_reason or r.closed_reason
    output = []
    if r.forwarded_to_id:
        # The sender's record system follows the referral to where it was forwarded.
        output.append(
            {
                "type": codes.concept(codes.REFERRAL_STATE, "forwarded", gettext("Forwarded")),
                "valueReference": codes.ref("ServiceRequest", r.forwarded_to_id),
            }
        )
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
        output=output,
    )


def _referrals():
    changed = [
        Coalesce(name, "changed_at")
        for name in ("sent_at", "assessed_at", "ended_at", "assessment_started_at")
    ]
    forwarded_to = Referral.objects.filter(forwarded_from=OuterRef("pk")).values("pk")[:1]
    return Referral.objects.select_related(
        "referring_unit__organisation", "receiving_unit__organisation"
    ).annotate(
        fhir_updated=Greatest("changed_at", *changed), forwarded_to_id=Subquery(forwarded_to)
    )


def _drafts_of_own_units(client) -> Q:
    """A draft is seen only by its own organisation's units, as on the referral pages."""
    return ~Q(state=State.DRAFT) | Q(referring_unit__organisation_id=client.organisation_id)


PATIENT = Include("patient", "Patient", lambda r: [r.fhir_patient_id])


def _by_id(field: str):
    """A reference parameter on ``field``: ``ServiceRequest/<id>`` or ``<id>``."""

    def apply(queryset, value):
        return queryset.filter(**{f"{field}__in": [codes.parse_id(v) for v in value.split(",")]})

    return apply


def _by_organisation(field: str):
    """A reference parameter on a unit's organisation: ``Organization/<id>`` or ``<id>``
    (units are shown as their organisation, ``codes.org_ref``)."""

    def apply(queryset, value):
        ids = []
        for v in value.split(","):
            kind, slash, _id = v.rpartition("/")
            if slash and kind != "Organization":
                raise ValueError(v)
            ids.append(codes.parse_id(v))
        return queryset.filter(**{f"{field}__organisation_id__in": ids})

    return apply


REQUESTER = SearchParam(
    "requester",
    "reference",
    _by_organisation("referring_unit"),
    "The referring organisation (Organization/<id>)",
)
RECEIVER = _by_organisation("receiving_unit")
FOCUS = SearchParam(
    "focus", "reference", _by_id("pk"), "The ServiceRequest the Task is about (the referral)"
)
REPLACES = SearchParam(
    "replaces", "reference", _by_id("forwarded_from_id"), "The referral this one was forwarded from"
)

RESOURCES = (
    ResourceType(
        name="ServiceRequest",
        queryset=_referrals,
        to_fhir=service_request,
        patient_field="patient_id",
        status_field="state",
        statuses=_inverse(SERVICE_REQUEST_STATUS),
        params=(
            REPLACES,
            REQUESTER,
            SearchParam(
                "performer", "reference", RECEIVER, "The receiving organisation (Organization/<id>)"
            ),
        ),
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
        params=(
            FOCUS,
            REQUESTER,
            SearchParam(
                "owner", "reference", RECEIVER, "The receiving organisation (Organization/<id>)"
            ),
        ),
        includes=(PATIENT, Include("focus", "ServiceRequest", lambda r: [r.pk])),
        client_scope=_drafts_of_own_units,
    ),
)


# --- attachments ------------------------------------------------------------------------------

ATTACHMENT_PREFIX = "vedlegg-"
ATTACHMENT = "Vedlegg til henvisning"


def attachment_document(a) -> dict:
    return codes.resource(
        "DocumentReference",
        a,
        pk=f"{ATTACHMENT_PREFIX}{a.pk}",
        status="current",
        type={"text": ATTACHMENT},
        category=[codes.concept(codes.DOCUMENT_KIND, "henvisningsvedlegg", ATTACHMENT)],
        subject=codes.ref("Patient", a.referral.patient_id),
        date=codes.instant(a.uploaded_at),
        author=[codes.org_ref(a.uploaded_by_unit)],
        description=a.description or a.filename,
        content=[
            {
                "attachment": {
                    "contentType": a.content_type,
                    "url": f"Binary/{ATTACHMENT_PREFIX}{a.pk}",
                    "size": a.size,
                    "title": a.filename,
                    "creation": codes.instant(a.uploaded_at),
                }
            }
        ],
        context={"related": [codes.ref("ServiceRequest", a.referral_id)]},
    )


def attachment_content(a) -> tuple[bytes, str]:
    with a.file.open("rb") as stored:
        return stored.read(), a.content_type


def attachment_binary(a) -> dict:
    data, content_type = attachment_content(a)
    return codes.binary(
        a, data, content_type, patient_id=a.referral.patient_id, pk=f"{ATTACHMENT_PREFIX}{a.pk}"
    )


def _attachments():
    return Attachment.objects.select_related("referral", "uploaded_by_unit__organisation").annotate(
        fhir_updated=F("uploaded_at")
    )


def _attachments_of_seen_referrals(client) -> Q:
    """A draft's attachments, like the draft, only for its own organisation's units."""
    return ~Q(referral__state=State.DRAFT) | Q(
        referral__referring_unit__organisation_id=client.organisation_id
    )


ATTACHMENT_PARTS = {
    "DocumentReference": ResourceType(
        name="DocumentReference",
        queryset=_attachments,
        to_fhir=attachment_document,
        patient_field="referral__patient_id",
        includes=(PATIENT_INCLUDE,),
        client_scope=_attachments_of_seen_referrals,
        id_prefix=ATTACHMENT_PREFIX,
    ),
    "Binary": ResourceType(
        name="Binary",
        queryset=_attachments,
        to_fhir=attachment_binary,
        patient_field="referral__patient_id",
        interactions=("read",),
        raw=attachment_content,
        client_scope=_attachments_of_seen_referrals,
        # The file leaves the service: logged as an export, like the other documents.
        audit_action=AuditEvent.Action.EXPORT,
        id_prefix=ATTACHMENT_PREFIX,
    ),
}


def task_change(r):
    """(Task id, patient id, Task status) for FHIR subscriptions; a draft is nobody's news."""
    if r.state == State.DRAFT:
        return None
    return r.pk, r.patient_id, TASK_STATUS[r.state]


def register_all() -> None:
    for resource in RESOURCES:
        register(resource)
    # The attachments join the document types pathways registered before (``pathways``
    # comes before ``referrals`` in INSTALLED_APPS, so its ready() has run).
    for name, part in ATTACHMENT_PARTS.items():
        served = REGISTRY[name]
        if all(p.id_prefix != part.id_prefix for p in served.parts):
            register(dataclasses.replace(served, parts=(*served.parts, part)))
