"""Read-side lookups of the individuell plan, shared by its services and permissions."""

import datetime

from django.db import connection, models
from django.db.models.functions import JSONObject

from pathways.models import (
    AreaAssessment,
    AreaRating,
    CoordinatorAssignment,
    Evaluation,
    IndividualPlan,
)


def active_coordinator(patient) -> CoordinatorAssignment | None:
    return (
        CoordinatorAssignment.objects.active()
        .filter(patient=patient)
        .select_related("user", "unit")
        .first()
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

    On PostgreSQL in one query (three arrays of rows beside the plan's key), elsewhere in
    three. Rows come back as model instances (not saved again, only shown)."""
    areas = plan.areas.all()
    ratings = plan.ratings.all()
    latest = plan.evaluations.all()[:evaluations]
    if connection.vendor != "postgresql":
        return list(areas), list(ratings), list(latest)
    from django.contrib.postgres.expressions import ArraySubquery

    def rows(queryset):
        fields = [f.attname for f in queryset.model._meta.concrete_fields]
        return ArraySubquery(queryset.values(json=JSONObject(**{f: f for f in fields})))

    row = (
        IndividualPlan.objects.filter(pk=plan.pk)
        .values("pk")
        .annotate(a=rows(areas), r=rows(ratings), e=rows(latest))
        .get()
    )
    return (
        [_instance(AreaAssessment, d) for d in row["a"]],
        [_instance(AreaRating, d) for d in row["r"]],
        [_instance(Evaluation, d) for d in row["e"]],
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
