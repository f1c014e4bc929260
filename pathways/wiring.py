"""Links between the pathway features: registered once from ``PathwaysConfig.ready()``.

- An ansvarsgruppe meeting planned or held during a stay counts as the joint planning meeting
  for the follow-up after discharge.
- The individuell plan's crisis plan is the one the ettervern plan shows, when it has content.
"""

from django.db.models import Prefetch
from django.urls import reverse

from pathways.episodes import services as discharge
from pathways.models import CrisisContact, CrisisPlan, IndividualPlan, Meeting


def stay_meetings(episode):
    """Ansvarsgruppe meetings from the episode's start (to its end), not cancelled."""
    meetings = Meeting.objects.filter(
        patient_id=episode.patient_id, starts_at__gte=episode.started_at
    ).exclude(state=Meeting.State.CANCELLED)
    if episode.ended_at is not None:
        meetings = meetings.filter(starts_at__lte=episode.ended_at)
    return meetings.order_by("starts_at", "id")


def ansvarsgruppe_meeting_during_stay(episode) -> bool:
    return stay_meetings(episode).exists()


def _contact_line(contact) -> str:
    # Name, relation and phone of a pårørende come from the patient's register.
    line = contact.display_name
    if contact.role_display:
        line += f" ({contact.role_display})"
    line += f": {contact.contact_phone}"
    if contact.when:
        line += f" – {contact.when}"
    return line


def individual_plan_crisis(patient) -> dict | None:
    """The crisis plan of the patient's open individuell plan, when anything is written in it
    (two queries)."""
    crisis = (
        CrisisPlan.objects.filter(plan__patient=patient)
        .exclude(plan__status=IndividualPlan.Status.CLOSED)
        .prefetch_related(
            Prefetch("contacts", queryset=CrisisContact.objects.select_related("next_of_kin"))
        )
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


def register() -> None:
    for sources, func in (
        (discharge.JOINT_MEETING_SOURCES, ansvarsgruppe_meeting_during_stay),
        (discharge.CRISIS_PLAN_SOURCES, individual_plan_crisis),
    ):
        if func not in sources:
            sources.append(func)
