"""The individuell plan's section of the patient overview."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, JSONObject

from accounts.models import ServiceUnit
from config.prepared import first_row, one, prepared
from pathways.jsonrows import instance, rows
from pathways.models import CoordinatorAssignment, IndividualPlan, Measure, Patient
from pathways.plan import permissions
from pathways.plan.services import active_coordinator


def _coordinator_columns(patient=None):
    """The active koordinator as one JSON column: what the overview shows of them."""
    patient = patient if patient is not None else OuterRef("patient_id")
    active = CoordinatorAssignment.objects.active().filter(patient=patient)
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


# The open plan's measure counts, annotated on it.
COUNTS = ("measures_total", "measures_open")


def _open_plans(patient):
    return (
        IndividualPlan.objects.filter(patient=patient)
        .exclude(status=IndividualPlan.Status.CLOSED)
        .annotate(
            measures_total=_measures(),
            measures_open=_measures(Q(status__in=Measure.OPEN_STATUSES)),
        )
    )


@prepared
def _plan_and_coordinator(patient_id):
    """The open plan with its measure counts (a JSON row) and the koordinator, read from the
    patient's row: one query whether or not there is a plan (PostgreSQL)."""
    plans = first_row(_open_plans(OuterRef("pk")))
    return (
        Patient.objects.filter(pk=patient_id)
        .values("pk")
        .annotate(
            plans=rows(plans, annotations=COUNTS),
            coordinator_json=_coordinator_columns(OuterRef("pk")),
        )
    )


@prepared
def _open_plan(patient_id):
    """As services.plans.open_plan, with the counts and the koordinator (the embedded demo's
    SQLite, which has no arrays of JSON rows)."""
    return first_row(_open_plans(patient_id).annotate(coordinator_json=_coordinator_columns()))


def _plan_and_shown_coordinator(patient):
    """(the open plan or None, the koordinator or None): one query on PostgreSQL."""
    if connection.vendor == "postgresql":
        row = _plan_and_coordinator(patient_id=patient.pk)[0]
        coordinator = _shown_coordinator(patient, row["coordinator_json"])
        if not row["plans"]:
            return None, coordinator
        data = row["plans"][0]
        plan = instance(IndividualPlan, data)
        for name in COUNTS:
            setattr(plan, name, data[name])
        return plan, coordinator
    plan = one(_open_plan(patient_id=patient.pk))
    if plan is None:
        return None, active_coordinator(patient)
    return plan, _shown_coordinator(patient, plan.coordinator_json)


def section(request, patient) -> dict:
    """Plan status with its measure counts and the koordinator: one query."""
    plan, coordinator = _plan_and_shown_coordinator(patient)
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
