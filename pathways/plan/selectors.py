"""Read-side lookups of the individuell plan, shared by its services and permissions."""

from dataclasses import dataclass

from django.db import connection

from config.prepared import first_row, one, prepared
from pathways.jsonrows import instance, rows
from pathways.models import (
    AreaAssessment,
    AreaRating,
    CoordinatorAssignment,
    Evaluation,
    IndividualPlan,
    Participant,
    PlanComment,
)


def active_coordinator(patient) -> CoordinatorAssignment | None:
    return one(_active_coordinator(patient_id=getattr(patient, "pk", patient)))


@prepared
def _active_coordinator(patient_id):
    return first_row(
        CoordinatorAssignment.objects.active()
        .filter(patient_id=patient_id)
        .select_related("user", "unit")
    )


def open_plan(patient) -> IndividualPlan | None:
    return (
        IndividualPlan.objects.filter(patient=patient)
        .exclude(status=IndividualPlan.Status.CLOSED)
        .select_related("owner_unit", "consent__recorded_by")
        .first()
    )


@dataclass
class PlanRows:
    """The plan's rows the plan page lists beside its goals and measures."""

    areas: list
    ratings: list
    evaluations: list
    participants: list
    comments: list


# What each listed row shows of the rows it points to (read in the same query).
PARTICIPANT_RELATED = {"unit": ("name",), "next_of_kin": ("name", "relation", "phone")}
COMMENT_RELATED = {"unit": ("name",), "by": ("username", "first_name", "last_name")}


def plan_rows(plan, evaluations: int = 5) -> PlanRows:
    """The plan's life-area assessments, self-ratings, latest evaluations, participants and
    comments.

    On PostgreSQL in one query (arrays of rows beside the plan's key, its SQL made once),
    elsewhere in five. Rows come back as model instances (not saved again, only shown), with
    what they show of their unit, pårørende or author."""
    if connection.vendor != "postgresql":
        return PlanRows(
            list(plan.areas.all()),
            list(plan.ratings.all()),
            list(plan.evaluations.all()[:evaluations]),
            list(plan.participants.select_related("unit", "next_of_kin")),
            list(plan.comments.select_related("by", "unit")),
        )
    row = _plan_rows(plan_id=plan.pk, evaluations=evaluations)[0]
    return PlanRows(
        [instance(AreaAssessment, d) for d in row["a"]],
        [instance(AreaRating, d) for d in row["r"]],
        [instance(Evaluation, d) for d in row["e"]],
        [instance(Participant, d, PARTICIPANT_RELATED) for d in row["p"]],
        [instance(PlanComment, d, COMMENT_RELATED) for d in row["c"]],
    )


@prepared(shape=("evaluations",))
def _plan_rows(plan_id, evaluations):
    return (
        IndividualPlan.objects.filter(pk=plan_id)
        .values("pk")
        .annotate(
            a=rows(AreaAssessment.objects.filter(plan_id=plan_id)),
            r=rows(AreaRating.objects.filter(plan_id=plan_id)),
            e=rows(Evaluation.objects.filter(plan_id=plan_id)[:evaluations]),
            p=rows(
                Participant.objects.filter(plan_id=plan_id).order_by("kind", "id"),
                PARTICIPANT_RELATED,
            ),
            c=rows(
                PlanComment.objects.filter(plan_id=plan_id).order_by("at", "id"), COMMENT_RELATED
            ),
        )
    )
