"""Links between the pathway features: registered once from ``PathwaysConfig.ready()``.

- An ansvarsgruppe meeting that took place during a stay (not cancelled, not before the
  admission, not still ahead) counts as the joint planning meeting for the follow-up after
  discharge; the episode page lists the planned ones too.
- The patient's one crisis plan is shown, with the same edit links, by the individuell plan and
  the ettervern plan (``crisis_block``); a change to it is recorded in the open individuell
  plan's history.
- A FHIR subscriber hears of every change of an individuell plan (its row or a new revision)
  as a change of its CarePlan; the fan-out is queued after the commit.
"""

from django.utils import timezone

from pathways.crisis import permissions as crisis_perms
from pathways.crisis import services as crisis
from pathways.episodes import services as discharge
from pathways.fhir.mapping import documents as fhir_documents
from pathways.fhir.mapping import ettervern as fhir_ettervern
from pathways.fhir.mapping.plan import PLAN_STATUS
from pathways.fhir.subscriptions import changes as fhir_changes
from pathways.fhir.subscriptions import tasks as fhir_subscription_tasks
from pathways.meetings import services as meeting_services
from pathways.models import CrisisPlan, EttervernPlan, IndividualPlan, Meeting, PlanRevision
from pathways.pdf import render_pdf_bytes
from pathways.plan import services as plans
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


def individual_plan_pdf(plan) -> bytes:
    """The plan's PDF for the FHIR API, as the plan page prints it: an open plan as it is now,
    a closed one as last saved."""
    if plan.is_open:
        snapshot = plans.build_snapshot(plan)
    else:
        snapshot = plans.snapshot_at(plan, plan.version) or plans.build_snapshot(plan)
    return render_pdf_bytes("pdf/plan.html", plan_pdf_context(plan.patient, snapshot, plan.version))


def ettervern_plan_pdf(plan) -> bytes:
    """The ettervern plan's PDF for the FHIR API, as the episode pages print it."""
    plan = EttervernPlan.objects.select_related(
        "episode__unit__organisation", "return_unit__organisation", "patient__home_kommune"
    ).get(pk=plan.pk)
    return render_pdf_bytes("pdf/ettervern.html", discharge.ettervern_pdf_context(plan))


def minutes_pdf(meeting) -> bytes:
    """A meeting's minutes for the FHIR API, as the meeting page prints them."""
    meeting = Meeting.objects.select_related(
        "group__leader", "published_by", "created_by", "patient"
    ).get(pk=meeting.pk)
    context = meeting_services.minutes_pdf_context(meeting, meeting.patient)
    return render_pdf_bytes("pdf/minutes.html", context)


def _care_plan(plan) -> tuple:
    return plan.pk, plan.patient_id, PLAN_STATUS[plan.status]


def _care_plan_revision(revision) -> tuple:
    return _care_plan(revision.plan)


def register() -> None:
    fhir_changes.watch(IndividualPlan, "CarePlan", _care_plan)
    fhir_changes.watch(PlanRevision, "CarePlan", _care_plan_revision)
    if fhir_subscription_tasks.queue_sweep not in fhir_changes.ON_CHANGED:
        fhir_changes.ON_CHANGED.append(fhir_subscription_tasks.queue_sweep)
    for sources, func in (
        (discharge.JOINT_MEETING_SOURCES, ansvarsgruppe_meeting_during_stay),
        (crisis.CRISIS_CHANGED, plans.crisis_changed),
        (fhir_documents.PLAN_PDF, individual_plan_pdf),
        (fhir_ettervern.ETTERVERN_PDF, ettervern_plan_pdf),
        (fhir_documents.MINUTES_PDF, minutes_pdf),
    ):
        if func not in sources:
            sources.append(func)
