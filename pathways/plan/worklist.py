"""Measures (tiltak) in individual plans assigned to the user or to the unit they act for."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from pathways.access import visible_patient_q
from pathways.models import IndividualPlan, Measure
from pathways.worklist import LIMIT, Task


def tasks(user, unit) -> list:
    """Open measures in open plans, one query however many there are."""
    if not user.is_authenticated:
        return []
    mine = Q(responsible_user=user)
    if unit is not None:
        mine |= Q(responsible_unit=unit)
    measures = (
        Measure.objects.filter(mine, status__in=Measure.OPEN_STATUSES)
        .exclude(plan__status=IndividualPlan.Status.CLOSED)
        .filter(visible_patient_q(user, unit, "plan__patient_id"))
        .select_related("plan__patient", "responsible_unit", "responsible_user")
        .order_by("end_on", "id")[:LIMIT]
    )
    result = []
    for measure in measures:
        patient = measure.plan.patient
        result.append(
            Task(
                kind=_("Measure"),
                title=measure.title,
                patient=patient,
                due=measure.end_on,
                url=reverse("pathways:plan", args=[patient.pk]) + f"#measure-{measure.pk}",
                done_url=reverse("pathways:plan_measure_done", args=[patient.pk, measure.pk]),
                responsible=measure.responsible_display,
                key=f"measure-{measure.pk}",
            )
        )
    return result
