"""Read-side lookups of the individuell plan, shared by its services and permissions."""

import datetime

from django.db import connection, models
from django.db.models.functions import JSONObject

from config.prepared import first_row, one, prepared
from pathways.models import (
    AreaAssessment,
    AreaRating,
    CoordinatorAssignment,
    Evaluation,
    IndividualPlan,
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


def areas_ratings_evaluations(plan, evaluations: int = 5) -> tuple[list, list, list]:
    """The plan's life-area assessments, self-ratings and latest evaluations.

    On PostgreSQL in one query (three arrays of rows beside the plan's key, its SQL made once),
    elsewhere in three. Rows come back as model instances (not saved again, only shown)."""
    if connection.vendor != "postgresql":
        return (
            list(plan.areas.all()),
            list(plan.ratings.all()),
            list(plan.evaluations.all()[:evaluations]),
        )
    row = _areas_ratings_evaluations(plan_id=plan.pk, evaluations=evaluations)[0]
    return (
        [_instance(AreaAssessment, d) for d in row["a"]],
        [_instance(AreaRating, d) for d in row["r"]],
        [_instance(Evaluation, d) for d in row["e"]],
    )


@prepared(shape=("evaluations",))
def _areas_ratings_evaluations(plan_id, evaluations):
    from django.contrib.postgres.expressions import ArraySubquery

    def rows(queryset):
        fields = [f.attname for f in queryset.model._meta.concrete_fields]
        return ArraySubquery(queryset.values(json=JSONObject(**{f: f for f in fields})))

    return (
        IndividualPlan.objects.filter(pk=plan_id)
        .values("pk")
        .annotate(
            a=rows(AreaAssessment.objects.filter(plan_id=plan_id)),
            r=rows(AreaRating.objects.filter(plan_id=plan_id)),
            e=rows(Evaluation.objects.filter(plan_id=plan_id)[:evaluations]),
        )
    )


def _instance(model, data: dict):
    """A model instance from a JSON row: dates and times parsed back from their ISO text."""
    values = {}
    for field in model._meta.concrete_fields:
        value = data.get(field.attname)
        if isinstance(value, str) and isinstance(field, models.DateTimeField):
            value = datetime.datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(field, models.DateField):
            value = datetime.date.fromisoformat(value)
        values[field.attname] = value
    return model(**values)
