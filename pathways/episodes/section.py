"""Treatment episodes' section of the patient overview."""

import datetime

from django.db import connection
from django.db.models import OuterRef, Prefetch
from django.utils import timezone

from config.prepared import prepared
from pathways.episodes.services import plan_progress
from pathways.jsonrows import instance, rows
from pathways.models import CrisisPlan, KommuneMessage, TreatmentEpisode


@prepared
def _latest_episodes(patient_id):
    episodes = TreatmentEpisode.objects.filter(patient_id=patient_id).select_related(
        "unit", "ettervern_plan__episode"
    )
    by_time = KommuneMessage.objects.order_by("sent_at", "id")
    if connection.vendor == "postgresql":
        # Each episode's messages as an array column (pathways.jsonrows): one query.
        episodes = episodes.annotate(notices=rows(by_time.filter(episode=OuterRef("pk"))))
    else:
        episodes = episodes.prefetch_related(Prefetch("messages", queryset=by_time))
    return episodes[:3]


def _notices(episode) -> list:
    if hasattr(episode, "notices"):
        return [instance(KommuneMessage, data) for data in episode.notices]
    return list(episode.messages.all())


def section(request, patient) -> dict:
    """The latest treatment episodes with their messages and ettervern readiness (one query,
    two more for the patient's crisis plan when an ettervern plan is started)."""
    episodes = _latest_episodes(patient_id=patient.pk)
    now = timezone.now()
    # The patient's crisis plan, looked up once for all the episodes' plans.
    crisis = None
    if any(getattr(e, "ettervern_plan", None) for e in episodes):
        crisis = CrisisPlan.objects.for_patient(patient)
    for episode in episodes:
        notices = _notices(episode)
        plan = getattr(episode, "ettervern_plan", None)
        episode.plan_progress = plan_progress(plan, crisis) if plan else None
        episode.admission_overdue = (
            episode.kind == TreatmentEpisode.Kind.DOGN
            and episode.ended_at is None
            and not any(m.kind == KommuneMessage.Kind.ADMISSION for m in notices)
            and episode.started_at + datetime.timedelta(hours=24) < now
        )
        ready = [m for m in notices if m.kind == KommuneMessage.Kind.READY]
        answered = [m for m in ready if m.answered_at]
        episode.latest_answer = max(answered, key=lambda m: m.answered_at) if answered else None
        episode.unanswered_ready = bool(ready) and not answered and episode.ended_at is None
    return {
        "discharge_episodes": episodes,
        "discharge_has_plan": any(e.plan_progress for e in episodes),
    }
