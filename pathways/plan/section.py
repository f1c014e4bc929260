"""The individuell plan's section of the patient overview."""

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, JSONObject

from accounts.models import ServiceUnit
from config.prepared import first_row, one, prepared
from pathways.models import CoordinatorAssignment, IndividualPlan, Measure
from pathways.plan import permissions
from pathways.plan.services import active_coordinator


def _coordinator_columns():
    """The active koordinator as one JSON column: what the overview shows of them."""
    active = CoordinatorAssignment.objects.active().filter(patient=OuterRef("patient_id"))
    return Subquery(
        active.values(
            json=JSONObject(
                id="pk",
                user_id="user_id",
                first_name="user__first_name",
                last_name="user__last_name",
                username="user__username",
                unit_id="unit_id",
                unit_name="unit__name",
            )
        )[:1]
    )


def _shown_coordinator(patient, data) -> CoordinatorAssignment | None:
    """The assignment from ``_coordinator_columns``: for display and the rights check only
    (name, unit name, user id), never saved."""
    if not data:
        return None
    user = get_user_model()(
        pk=data["user_id"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        username=data["username"],
    )
    unit = ServiceUnit(pk=data["unit_id"], name=data["unit_name"])
    return CoordinatorAssignment(pk=data["id"], patient=patient, user=user, unit=unit)


def _measures(*conditions):
    counted = (
        Measure.objects.filter(*conditions, plan=OuterRef("pk"))
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@prepared
def _open_plan(patient_id):
    """As services.plans.open_plan, with the counts and the koordinator."""
    return first_row(
        IndividualPlan.objects.filter(patient_id=patient_id)
        .exclude(status=IndividualPlan.Status.CLOSED)
        .select_related("owner_unit", "consent__recorded_by")
        .annotate(
            measures_total=_measures(),
            measures_open=_measures(Q(status__in=Measure.OPEN_STATUSES)),
            coordinator_json=_coordinator_columns(),
        )
    )


def section(request, patient) -> dict:
    """Plan status with its measure counts and the koordinator: one query when there is an
    open plan, one more for the koordinator when there is none."""
    plan = one(_open_plan(patient_id=patient.pk))
    if plan is not None:
        coordinator = _shown_coordinator(patient, plan.coordinator_json)
    else:
        coordinator = active_coordinator(patient)
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
