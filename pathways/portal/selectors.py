"""What the /min/ pages read: the patient's own plan, in a fixed number of queries."""

from django.db.models import Prefetch
from django.utils import timezone

from pathways.models import CoordinatorAssignment, Goal, IndividualPlan, Measure, Meeting


def open_plan_for(patient) -> IndividualPlan | None:
    return (
        IndividualPlan.objects.filter(patient=patient)
        .exclude(status=IndividualPlan.Status.CLOSED)
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.exclude(status=Goal.Status.CANCELLED)),
            Prefetch(
                "measures",
                queryset=Measure.objects.filter(status__in=Measure.OPEN_STATUSES).select_related(
                    "responsible_unit", "responsible_user"
                ),
            ),
        )
        .first()
    )


def coordinator_for(patient) -> CoordinatorAssignment | None:
    return (
        CoordinatorAssignment.objects.active()
        .filter(patient=patient)
        .select_related("user", "unit")
        .first()
    )


def next_meeting_for(patient) -> Meeting | None:
    return (
        Meeting.objects.filter(
            patient=patient, state=Meeting.State.PLANNED, starts_at__gte=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )
