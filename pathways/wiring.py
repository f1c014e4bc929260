"""Links between the pathway features: registered once from ``PathwaysConfig.ready()``.

- An ansvarsgruppe meeting that took place during a stay (not cancelled, not before the
  admission, not still ahead) counts as the joint planning meeting for the follow-up after
  discharge; the episode page lists the planned ones too.
- The individuell plan's crisis plan is the one the ettervern plan shows, when it has content.
"""

from django.urls import reverse
from django.utils import timezone

from pathways.episodes import services as discharge
from pathways.fhir.mapping import documents as fhir_documents
from pathways.models import CrisisPlan, IndividualPlan, Meeting
from pathways.pdf import render_pdf_bytes
from pathways.plan import services as plan_services
from pathways.plan.printing import plan_pdf_context


def stay_meetings(episode):
    """Ansvarsgruppe meetings from the episode's start (to its end), not cancelled."""
    meetings = Meeting.objects.filter(
        patient_id=episode.patient_id, starts_at__gte=episode.started_at
    ).exclude(state=Meeting.State.CANCELLED)
    if episode.ended_at is not None:
        meetings = meetings.filter(starts_at__lte=episode.ended_at)
    return meetings.order_by("starts_at", "id")


def ansvarsgruppe_meeting_during_stay(episode) -> bool:
    """A meeting counts once it has taken place: one called for next week is not yet a joint
    planning of the follow-up."""
    return stay_meetings(episode).filter(starts_at__lte=timezone.now()).exists()


def _contact_line(contact) -> str:
    line = contact.name
    if contact.role:
        line += f" ({contact.role})"
    line += f": {contact.phone}"
    if contact.when:
        line += f" – {contact.when}"
    return line


def individual_plan_crisis(patient) -> dict | None:
    """The crisis plan of the patient's open individuell plan, when anything is written in it
    (two queries)."""
    crisis = (
        CrisisPlan.objects.filter(plan__patient=patient)
        .exclude(plan__status=IndividualPlan.Status.CLOSED)
        .prefetch_related("contacts")
        .first()
    )
    if crisis is None:
        return None
    contacts = [_contact_line(c) for c in crisis.contacts.all()]
    if not (crisis.warning_signs.strip() or crisis.what_helps.strip() or contacts):
        return None
    what_helps = "\n\n".join(t for t in (crisis.what_helps.strip(), crisis.wishes.strip()) if t)
    if crisis.emergency.strip():
        contacts.append(crisis.emergency.strip())
    return {
        "warning_signs": crisis.warning_signs.strip(),
        "what_helps": what_helps,
        "contacts": "\n".join(contacts),
        "url": reverse("pathways:plan", args=[patient.pk]),
    }


def individual_plan_pdf(plan) -> bytes:
    """The plan's PDF for the FHIR API, as the plan page prints it: an open plan as it is now,
    a closed one as last saved."""
    if plan.is_open:
        snapshot = plan_services.build_snapshot(plan)
    else:
        snapshot = plan_services.snapshot_at(plan, plan.version) or plan_services.build_snapshot(
            plan
        )
    return render_pdf_bytes("pdf/plan.html", plan_pdf_context(plan.patient, snapshot, plan.version))


def register() -> None:
    for sources, func in (
        (discharge.JOINT_MEETING_SOURCES, ansvarsgruppe_meeting_during_stay),
        (discharge.CRISIS_PLAN_SOURCES, individual_plan_crisis),
        (fhir_documents.PLAN_PDF, individual_plan_pdf),
    ):
        if func not in sources:
            sources.append(func)
