"""Links between the pathway features: registered once from ``PathwaysConfig.ready()``.

- An ansvarsgruppe meeting planned or held during a stay counts as the joint planning meeting
  for the follow-up after discharge.
- The patient's one crisis plan is shown, with the same edit links, by the individuell plan and
  the ettervern plan (``crisis_block``); a change to it is recorded in the open individuell
  plan's history.
"""

from pathways.crisis import permissions as crisis_perms
from pathways.crisis import services as crisis
from pathways.episodes import services as discharge
from pathways.models import CrisisPlan, Meeting
from pathways.plan import services as plans


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


def crisis_block(actor, patient, back_url: str) -> dict:
    """The context of ``pathways/crisis/_crisis_plan.html`` (two queries): the patient's crisis
    plan, its contacts, whether the actor may change it, and the page to come back to."""
    found = CrisisPlan.objects.for_patient(patient)
    return {
        "crisis": found,
        "crisis_contacts": list(found.contacts.all()) if found else [],
        "crisis_can_edit": crisis_perms.can_edit(actor, patient),
        "crisis_next": back_url,
    }


def register() -> None:
    for sources, func in (
        (discharge.JOINT_MEETING_SOURCES, ansvarsgruppe_meeting_during_stay),
        (crisis.CRISIS_CHANGED, plans.crisis_changed),
    ):
        if func not in sources:
            sources.append(func)
