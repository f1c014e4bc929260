"""The individuell plan's section of the patient overview."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from pathways.models import IndividualPlan, Measure
from pathways.plan import permissions
from pathways.plan.services import active_coordinator


def section(request, patient) -> dict:
    """Koordinator and plan status, the measure counts with the plan: two queries."""

    def measures(*conditions):
        counted = (
            Measure.objects.filter(*conditions, plan=OuterRef("pk"))
            .order_by()
            .values("plan")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    coordinator = active_coordinator(patient)
    # As services.plans.open_plan, with the counts.
    plan = (
        IndividualPlan.objects.filter(patient=patient)
        .exclude(status=IndividualPlan.Status.CLOSED)
        .select_related("owner_unit", "consent__recorded_by")
        .annotate(
            measures_total=measures(),
            measures_open=measures(Q(status__in=Measure.OPEN_STATUSES)),
        )
        .first()
    )
    return {
        "plan_coordinator": coordinator,
        "plan_section": {
            "plan": plan,
            "coordinator": coordinator,
            "measures_total": plan.measures_total if plan else 0,
            "measures_open": plan.measures_open if plan else 0,
            "revision_state": plan.revision_state() if plan else "",
            "can_start": permissions.rights(request.actor, patient, coordinator).can_start,
        },
    }
