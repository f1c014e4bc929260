"""The national patient pathway for TSB: guiding timers in calendar days for each episode.

First attendance → clinical decision (21 days outpatient, 7 inpatient); decision → first
evaluation (7); between evaluations (56 outpatient, 42 inpatient); end of detoxification → the
next treatment (3). The limits are settings. The treating unit records the dates here.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import audit
from pathways.episodes.services import _check_part_version, require_treating_unit
from pathways.models import EpisodeEvaluation, TreatmentEpisode

Kind = TreatmentEpisode.Kind
# Inpatient limits for døgn and detoxification; outpatient limits for poliklinikk and LAR.
INPATIENT_KINDS = (Kind.DOGN, Kind.AVRUSNING)

LABELS = {
    "decision": gettext_lazy("First attendance to clinical decision"),
    "first_evaluation": gettext_lazy("Clinical decision to first evaluation"),
    "evaluation": gettext_lazy("Until the next evaluation"),
    "after_detox": gettext_lazy("End of detoxification to the next treatment"),
}


def limit(key: str, kind: str) -> int:
    inpatient = kind in INPATIENT_KINDS
    if key == "decision":
        if inpatient:
            return settings.PATHWAY_DECISION_DAYS_INPATIENT
        return settings.PATHWAY_DECISION_DAYS_OUTPATIENT
    if key == "first_evaluation":
        return settings.PATHWAY_FIRST_EVALUATION_DAYS
    if key == "evaluation":
        if inpatient:
            return settings.PATHWAY_EVALUATION_DAYS_INPATIENT
        return settings.PATHWAY_EVALUATION_DAYS_OUTPATIENT
    return settings.PATHWAY_AFTER_DETOX_DAYS


@dataclass
class Timer:
    key: str
    limit: int
    start: datetime.date | None
    end: datetime.date | None
    counting: bool  # still running when there is no end (the episode is open, or waiting)
    today: datetime.date

    @property
    def label(self):
        return LABELS[self.key]

    @property
    def day(self) -> int | None:
        if self.start is None:
            return None
        return ((self.end or self.today) - self.start).days

    @property
    def state(self) -> str:
        """not_started, running, soon, overdue, met, missed or stopped."""
        if self.start is None:
            return "not_started"
        if self.end is not None:
            return "met" if self.day <= self.limit else "missed"
        if not self.counting:
            return "stopped"
        if self.day > self.limit:
            return "overdue"
        return "soon" if self.limit - self.day <= settings.PATHWAY_WARNING_DAYS else "running"

    @property
    def text(self) -> str:
        values = {"day": self.day, "limit": self.limit}
        state = self.state
        if state == "not_started":
            return _("Not started")
        if state in ("running", "soon"):
            return _("day %(day)d of %(limit)d") % values
        if state == "overdue":
            return _("day %(day)d of %(limit)d: past the limit") % values
        if state == "met":
            return _("done on day %(day)d of %(limit)d") % values
        if state == "missed":
            return _("done on day %(day)d of %(limit)d: past the limit") % values
        return _("stopped when the treatment ended (day %(day)d of %(limit)d)") % values


def next_treatment_start(episode) -> datetime.date | None:
    """When the patient's next treatment started after this episode ended (one query)."""
    if episode.ended_at is None:
        return None
    following = (
        TreatmentEpisode.objects.filter(
            patient_id=episode.patient_id, started_at__gte=episode.ended_at
        )
        .exclude(pk=episode.pk)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return timezone.localdate(following) if following else None


def timer_for(episode, key, *, today, first_evaluation=None, next_start=None) -> Timer:
    """One timer of the episode; the caller supplies what is not on the episode row."""
    is_open = episode.ended_at is None
    if key == "decision":
        start, end = episode.first_attendance_on, episode.clinical_decision_on
    elif key == "first_evaluation":
        start, end = episode.clinical_decision_on, first_evaluation
    elif key == "evaluation":
        start, end = episode.last_evaluation_on, None
    else:
        start = timezone.localdate(episode.ended_at) if episode.ended_at else None
        end, is_open = next_start, True
    return Timer(key, limit(key, episode.kind), start, end, is_open, today)


def episode_timers(episode, evaluations=None, today=None) -> list[Timer]:
    """The timers that apply to the episode, in pathway order (at most two queries)."""
    today = today or timezone.localdate()
    if evaluations is None:
        evaluations = list(episode.evaluations.all())
    first_evaluation = min((e.held_on for e in evaluations), default=None)
    keys = ["decision", "first_evaluation", "evaluation"]
    if episode.kind == Kind.AVRUSNING:
        keys.append("after_detox")
    next_start = next_treatment_start(episode) if episode.kind == Kind.AVRUSNING else None
    return [
        timer_for(
            episode, key, today=today, first_evaluation=first_evaluation, next_start=next_start
        )
        for key in keys
    ]


def _latest_day(episode) -> datetime.date:
    today = timezone.localdate()
    if episode.ended_at is not None:
        return min(today, timezone.localdate(episode.ended_at))
    return today


@transaction.atomic
def milestones_save(
    *,
    episode,
    actor,
    first_attendance_on: datetime.date | None,
    clinical_decision_on: datetime.date | None,
    version: int | None,
) -> TreatmentEpisode:
    """The treating unit records the first attendance and the clinical decision.

    ``version`` is the ``milestones_version`` the form was opened with; a stale form raises
    ``StaleWrite`` and writes nothing (the dates move the legal timers)."""
    require_treating_unit(episode, actor)
    episode = TreatmentEpisode.objects.select_for_update().get(pk=episode.pk)
    _check_part_version(episode, "milestones_version", version)
    latest = _latest_day(episode)
    errors = {}
    if first_attendance_on and first_attendance_on > latest:
        errors["first_attendance_on"] = _("The date cannot be after today or the discharge.")
    if clinical_decision_on:
        if clinical_decision_on > latest:
            errors["clinical_decision_on"] = _("The date cannot be after today or the discharge.")
        elif first_attendance_on is None:
            errors["first_attendance_on"] = _("Enter the first attendance before the decision.")
        elif clinical_decision_on < first_attendance_on:
            errors["clinical_decision_on"] = _(
                "The decision cannot be before the first attendance."
            )
        elif episode.last_evaluation_on and clinical_decision_on > episode.last_evaluation_on:
            errors["clinical_decision_on"] = _("The decision cannot be after an evaluation.")
    if errors:
        raise ValidationError(errors)
    episode.first_attendance_on = first_attendance_on
    episode.clinical_decision_on = clinical_decision_on
    episode.milestones_version += 1
    episode.save(
        update_fields=["first_attendance_on", "clinical_decision_on", "milestones_version"]
    )
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=episode.patient_id,
        obj=episode,
        detail=f"first_attendance_on={first_attendance_on}, "
        f"clinical_decision_on={clinical_decision_on}",
    )
    return episode


@transaction.atomic
def evaluation_add(*, episode, actor, held_on: datetime.date, note: str = ""):
    """Record an evaluation of the treatment; the next one is due within the interval."""
    require_treating_unit(episode, actor)
    episode = TreatmentEpisode.objects.select_for_update().get(pk=episode.pk)
    if episode.clinical_decision_on is None:
        raise ValidationError(_("Record the clinical decision first."))
    if held_on is None:
        raise ValidationError({"held_on": _("Enter the date of the evaluation.")})
    if held_on > _latest_day(episode):
        raise ValidationError({"held_on": _("The date cannot be after today or the discharge.")})
    if held_on < episode.clinical_decision_on:
        raise ValidationError(
            {"held_on": _("The evaluation cannot be before the clinical decision.")}
        )
    evaluation = EpisodeEvaluation(
        episode=episode, held_on=held_on, note=(note or "").strip()[:500], by=actor.user
    )
    evaluation.full_clean()
    evaluation.save()
    if episode.last_evaluation_on is None or held_on > episode.last_evaluation_on:
        TreatmentEpisode.objects.filter(pk=episode.pk).update(last_evaluation_on=held_on)
    audit.record_by(
        actor,
        audit.Action.CREATE,
        patient=episode.patient_id,
        obj=evaluation,
        detail=str(evaluation),
    )
    return evaluation
