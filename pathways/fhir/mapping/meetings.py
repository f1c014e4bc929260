"""Appointment: ansvarsgruppe meetings, and beside them the follow-up appointments after a
discharge (``mapping.ettervern``); Communication: the messages to the kommune about a
stay (admission, ready for discharge, discharge, transfer, move), with the kommune's answer,
and beside them the posts of the dialogue between services (``mapping.dialogue``)."""

from django.db.models import Prefetch
from django.db.models.functions import Coalesce, Greatest

from pathways.fhir import codes
from pathways.fhir.mapping import dialogue, ettervern
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import ResourceType, SearchParam
from pathways.fhir.search import date_filter
from pathways.models import Invitation, KommuneMessage, Meeting

MEETING_STATUS = {
    Meeting.State.PLANNED: "booked",
    Meeting.State.HELD: "fulfilled",
    Meeting.State.CANCELLED: "cancelled",
}
MESSAGE_KIND = f"{codes.CANONICAL}/CodeSystem/kommune-message-kind"
MESSAGE_ANSWER = f"{codes.CANONICAL}/CodeSystem/kommune-message-answer"


def _inverse(mapping):
    out = {}
    for ours, theirs in mapping.items():
        out[theirs] = (*out.get(theirs, ()), ours)
    return out


def _participant(member, status):
    actor = None
    if member.user_id:
        actor = codes.ref("Practitioner", member.user_id, member.user.get_full_name())
    elif member.unit_id:
        actor = codes.ref("HealthcareService", member.unit_id, member.unit.name)
    elif member.name:
        actor = {"display": member.name}
    return {"actor": actor, "status": status} if actor else {"status": status}


def appointment(m) -> dict:
    invited = "accepted" if m.state == Meeting.State.HELD else "needs-action"
    return codes.resource(
        "Appointment",
        m,
        identifier=[{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{m.uid}"}],
        status=MEETING_STATUS[m.state],
        cancelationReason={"text": m.cancel_reason} if m.cancel_reason else None,
        serviceType=[{"text": "Ansvarsgruppemøte"}],
        description="Ansvarsgruppemøte",
        start=codes.instant(m.starts_at),
        end=codes.instant(m.ends_at),
        minutesDuration=m.duration_minutes,
        created=codes.date(m.created_at),
        comment=" ".join(part for part in (m.place, m.digital_link) if part),
        participant=[
            {"actor": codes.ref("Patient", m.patient_id), "status": "accepted"},
            *(_participant(i.member, invited) for i in m.invitations.all()),
        ],
    )


def communication(message) -> dict:
    notes = []
    if message.answer:
        answer = message.get_answer_display()
        if message.can_receive_from:
            answer += f" ({codes.date(message.can_receive_from)})"
        if message.answer_reason:
            answer += f": {message.answer_reason}"
        notes.append({"text": answer, "time": codes.instant(message.answered_at)})
    return codes.resource(
        "Communication",
        message,
        status="completed",
        category=[codes.concept(MESSAGE_KIND, message.kind, message.get_kind_display())],
        priority="urgent" if message.urgent else "routine",
        subject=codes.ref("Patient", message.patient_id),
        encounter=codes.ref("Encounter", message.episode_id),
        sent=codes.instant(message.sent_at),
        received=codes.instant(message.read_at),
        recipient=[codes.org_ref(message.to_unit)],
        sender=codes.org_ref(message.from_unit),
        payload=[{"contentString": message.text or message.get_kind_display()}],
        note=notes,
    )


def _meetings():
    return Meeting.objects.annotate(
        fhir_updated=Greatest("changed_at", Coalesce("published_at", "changed_at"))
    ).prefetch_related(
        Prefetch(
            "invitations",
            queryset=Invitation.objects.select_related("member__user", "member__unit").order_by(
                "pk"
            ),
        )
    )


def _messages():
    return KommuneMessage.objects.select_related(
        "from_unit__organisation", "to_unit__organisation"
    ).annotate(
        fhir_updated=Greatest(
            "sent_at", Coalesce("read_at", "sent_at"), Coalesce("answered_at", "sent_at")
        )
    )


RESOURCES = (
    ResourceType(
        name="Appointment",
        queryset=_meetings,
        to_fhir=appointment,
        patient_field="patient_id",
        status_field="state",
        # A meeting is never a no-show (the follow-up appointments' code): known, matching none.
        statuses={**_inverse(MEETING_STATUS), "noshow": ()},
        params=(SearchParam("date", "date", date_filter("starts_at"), "Start of the meeting"),),
        includes=(PATIENT_INCLUDE,),
        # The follow-up appointments after a discharge, ids ``oppfolging-<n>``.
        parts=(ettervern.APPOINTMENT,),
    ),
    ResourceType(
        name="Communication",
        queryset=_messages,
        to_fhir=communication,
        patient_field="patient_id",
        params=(SearchParam("sent", "date", date_filter("sent_at"), "When it was sent"),),
        includes=(PATIENT_INCLUDE,),
        parts=(dialogue.COMMUNICATION,),
    ),
)
