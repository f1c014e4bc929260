"""Read-side lookups of the individuell plan, shared by its services and permissions."""

from pathways.models import CoordinatorAssignment, IndividualPlan


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
