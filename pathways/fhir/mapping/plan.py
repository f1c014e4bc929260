"""CarePlan (the individuell plan, measures as ``activity``, the crisis plan summarised as
one more) and Goal; the ettervern plans are served beside it (``mapping.ettervern``)."""

from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce, Greatest

from pathways.fhir import codes
from pathways.fhir.mapping import ettervern
from pathways.fhir.mapping.patient import PATIENT_INCLUDE
from pathways.fhir.registry import Include, ResourceType
from pathways.models import Goal, GoalProgress, IndividualPlan, Measure, PlanRevision

PLAN_STATUS = {
    IndividualPlan.Status.IN_PROGRESS: "draft",
    IndividualPlan.Status.ACTIVE: "active",
    IndividualPlan.Status.CLOSED: "completed",
}
MEASURE_STATUS = {
    Measure.Status.NOT_STARTED: "not-started",
    Measure.Status.IN_PROGRESS: "in-progress",
    Measure.Status.ON_HOLD: "on-hold",
    Measure.Status.COMPLETED: "completed",
    Measure.Status.STOPPED: "stopped",
}
# Goal.lifecycleStatus, and achievementStatus for the ends a goal can come to.
GOAL_STATUS = {
    Goal.Status.PROPOSED: "proposed",
    Goal.Status.ACTIVE: "active",
    Goal.Status.ACHIEVED: "completed",
    Goal.Status.NOT_ACHIEVED: "completed",
    Goal.Status.CANCELLED: "cancelled",
}
KIND = "individuell-plan"
GOAL_ACHIEVEMENT = {Goal.Status.ACHIEVED: "achieved", Goal.Status.NOT_ACHIEVED: "not-achieved"}
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"


def _inverse(mapping):
    out = {}
    for ours, theirs in mapping.items():
        out.setdefault(theirs, ())
        out[theirs] += (ours,)
    return out


def _activity(measure) -> dict:
    detail = {
        "kind": "ServiceRequest",
        "code": codes.concept(codes.LIFE_AREA, measure.life_area, measure.get_life_area_display()),
        "status": MEASURE_STATUS[measure.status],
        "description": measure.title,
        "goal": [codes.ref("Goal", g.pk) for g in measure.goals.all()],
    }
    if measure.start_on or measure.end_on:
        detail["scheduledPeriod"] = codes.period(measure.start_on, measure.end_on)
    if measure.responsible_unit_id:
        detail["performer"] = [codes.org_ref(measure.responsible_unit)]
    notes = [text for text in (measure.scope, measure.how, measure.responsible_name) if text]
    activity = {"detail": {k: v for k, v in detail.items() if v not in ("", [], None)}}
    if notes:
        activity["progress"] = [{"text": text} for text in notes]
    return activity


def care_plan(plan) -> dict:
    activities = [_activity(m) for m in plan.measures.all()]
    # The patient's crisis plan, which the plan shows (the same summary as the ettervern plan's).
    crisis = ettervern.crisis_activity(plan.patient.fhir_crisis)
    if crisis is not None:
        activities.append(crisis)
    return codes.resource(
        "CarePlan",
        plan,
        status=PLAN_STATUS[plan.status],
        intent="plan",
        category=[codes.concept(codes.PLAN_KIND, KIND, "Individuell plan")],
        title="Individuell plan",
        description=plan.what_matters,
        subject=codes.ref("Patient", plan.patient_id),
        period=codes.period(plan.period_start, plan.period_end),
        created=codes.instant(plan.created_at),
        author=codes.org_ref(plan.owner_unit),
        careTeam=[codes.ref("CareTeam", plan.patient_id)],
        goal=[codes.ref("Goal", g.pk) for g in plan.goals.all()],
        activity=activities,
        note=[{"text": plan.cooperation}] if plan.cooperation else [],
    )


def goal(g) -> dict:
    achievement = GOAL_ACHIEVEMENT.get(g.status)
    return codes.resource(
        "Goal",
        g,
        lifecycleStatus=GOAL_STATUS[g.status],
        achievementStatus=codes.concept(ACHIEVEMENT_SYSTEM, achievement) if achievement else None,
        priority=codes.concept(
            "http://terminology.hl7.org/CodeSystem/goal-priority", "high-priority"
        )
        if g.is_main
        else None,
        category=[codes.concept(codes.LIFE_AREA, g.life_area, g.get_life_area_display())]
        if g.life_area
        else [],
        description={"text": g.text},
        subject=codes.ref("Patient", g.plan.patient_id),
        startDate=codes.date(g.created_at),
        target=[{"dueDate": codes.date(g.target_date)}] if g.target_date else [],
        addresses=[],
        note=[{"text": p.text, "time": codes.instant(p.created_at)} for p in g.progress.all()],
    )


def _plans():
    latest_revision = Subquery(
        PlanRevision.objects.filter(plan=OuterRef("pk")).order_by("-at").values("at")[:1]
    )
    return (
        IndividualPlan.objects.select_related("owner_unit__organisation", "patient")
        .annotate(
            fhir_updated=Greatest(
                "created_at",
                Coalesce("closed_at", "created_at"),
                Coalesce(latest_revision, "created_at"),
            )
        )
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.order_by("pk").only("pk", "plan_id")),
            Prefetch(
                "measures",
                queryset=Measure.objects.select_related("responsible_unit__organisation")
                .prefetch_related(Prefetch("goals", queryset=Goal.objects.only("pk")))
                .order_by("life_area", "start_on", "pk"),
            ),
            ettervern.crisis_prefetch(),
        )
    )


def _goals():
    latest_progress = Subquery(
        GoalProgress.objects.filter(goal=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return (
        Goal.objects.select_related("plan")
        .annotate(fhir_updated=Greatest("changed_at", Coalesce(latest_progress, "changed_at")))
        .prefetch_related(Prefetch("progress", queryset=GoalProgress.objects.order_by("pk")))
    )


RESOURCES = (
    ResourceType(
        name="CarePlan",
        queryset=_plans,
        to_fhir=care_plan,
        patient_field="patient_id",
        status_field="status",
        statuses=_inverse(PLAN_STATUS),
        params=(ettervern.plan_kind_param(KIND),),
        includes=(
            PATIENT_INCLUDE,
            Include("goal", "Goal", lambda plan: [g.pk for g in plan.goals.all()]),
            Include("care-team", "CareTeam", lambda plan: [plan.patient_id]),
        ),
        # The ettervern plans, ids ``ettervern-<n>``, after the individuell plans.
        parts=(ettervern.CARE_PLAN,),
    ),
    ResourceType(
        name="Goal",
        queryset=_goals,
        to_fhir=goal,
        patient_field="plan__patient_id",
        status_field="status",
        statuses=_inverse(GOAL_STATUS),
        status_param="lifecycle-status",
        includes=(PATIENT_INCLUDE,),
    ),
)
