"""Measures (tiltak) in individual plans assigned to the user or to the unit they act for."""

import datetime

from django.db.models import F, FilteredRelation, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from config.prepared import prepared
from pathways.access import visibility_keys, visible_patient_exists_by
from pathways.dates import short_date
from pathways.models import IndividualPlan, Measure
from pathways.plan.rules import PLAN_REVISION_WARNING_DAYS
from pathways.urlmaker import url_maker
from pathways.worklist import (
    HOME_LIMIT,
    LIMIT,
    Group,
    Line,
    PatientRef,
    Task,
    assigned,
    distinct_rows,
    person_name,
)


@prepared(shape=("limit",))
def _open_measures(user_id, unit_id, group_id, now, due_by, limit):
    open_measures = Measure.objects.filter(status__in=Measure.OPEN_STATUSES)
    if due_by is not None:
        open_measures = open_measures.filter(end_on__lte=due_by)
    return assigned(
        open_measures.exclude(plan__status=IndividualPlan.Status.CLOSED)
        .filter(visible_patient_exists_by(user_id, group_id, now, "plan__patient_id"))
        .values(
            "id",
            "title",
            "end_on",
            "responsible_user_id",
            "responsible_unit_id",
            "responsible_name",
            patient_id=F("plan__patient_id"),
            first_name=F("plan__patient__first_name"),
            last_name=F("plan__patient__last_name"),
            user_first=F("responsible_user__first_name"),
            user_last=F("responsible_user__last_name"),
            username=F("responsible_user__username"),
            unit_name=F("responsible_unit__name"),
        ),
        user_id,
        unit_id,
        ("end_on", "id"),
        limit,
    )


def tasks(user, unit, *, due_by=None, limit=LIMIT) -> list:
    """Open measures in open plans, one query however many: the columns shown, as values."""
    if not user.is_authenticated:
        return []
    measures = distinct_rows(
        _open_measures(**visibility_keys(user, unit), due_by=due_by, limit=limit),
        limit,
    )
    kind = _("Measure")
    plan_url = url_maker("pathways:plan", 1)
    done_url = url_maker("pathways:plan_measure_done", 2)
    patient_url = url_maker("pathways:patient_overview", 1)
    result = []
    for m in measures:
        patient_id = m["patient_id"]
        # As Measure.responsible_display: unit, person, named other.
        responsible = [m["unit_name"]] if m["responsible_unit_id"] else []
        if m["responsible_user_id"]:
            responsible.append(person_name(m["user_first"], m["user_last"], m["username"]))
        if m["responsible_name"]:
            responsible.append(m["responsible_name"])
        result.append(
            Task(
                kind=kind,
                title=m["title"],
                patient=PatientRef(patient_id, m["first_name"], m["last_name"]),
                due=m["end_on"],
                url=plan_url(patient_id) + f"#measure-{m['id']}",
                done_url=done_url(patient_id, m["id"]),
                responsible=", ".join(responsible),
                key=f"measure-{m['id']}",
                patient_url=patient_url(patient_id),
            )
        )
    return result


@prepared(shape=("limit",))
def _plans_to_revise(user_id, unit_id, group_id, now, revision_by, leader, coordinator, limit):
    # The patient's active koordinator (at most one, by a unique index) as a left join probed
    # per plan read: as EXISTS under an OR, PostgreSQL hashed every active assignment instead,
    # 7 ms at 56,000 plans.
    active = FilteredRelation(
        "patient__coordinators", condition=Q(patient__coordinators__ended_at__isnull=True)
    )
    mine = Q(active_coordinator__user_id=user_id)
    if unit_id is not None and leader:
        mine |= Q(owner_unit_id=unit_id)
    elif unit_id is not None and coordinator:
        mine |= Q(owner_unit_id=unit_id) & Q(active_coordinator__isnull=True)
    return (
        IndividualPlan.objects.exclude(status=IndividualPlan.Status.CLOSED)
        .annotate(active_coordinator=active)
        .filter(next_revision_on__lte=revision_by)
        .filter(mine)
        .filter(visible_patient_exists_by(user_id, group_id, now))
        .select_related("patient")
        .order_by("next_revision_on", "id")[:limit]
    )


def home(actor) -> list[Group]:
    """Open plans whose revision is due within two weeks or overdue: the koordinator's own;
    for the owning unit's leaders all of the unit's, for its koordinatorer those without one."""
    user, unit = actor.user, actor.unit
    if not user.is_authenticated:
        return []
    today = timezone.localdate()
    plans = _plans_to_revise(
        **visibility_keys(user, unit),
        revision_by=today + datetime.timedelta(days=PLAN_REVISION_WARNING_DAYS),
        leader=unit is not None and actor.is_leader,
        coordinator=unit is not None and actor.has_role(Membership.Role.COORDINATOR),
        limit=HOME_LIMIT + 1,
    )
    lines = []
    for plan in plans:
        overdue = plan.next_revision_on < today
        lines.append(
            Line(
                what=_("Revise the individual plan"),
                url=reverse("pathways:plan", args=[plan.patient_id]),
                key=f"plan-{plan.pk}",
                patient=plan.patient,
                detail=(_("Revision was due %(date)s") if overdue else _("Revision due %(date)s"))
                % {"date": short_date(plan.next_revision_on)},
                urgent=overdue,
                urgent_label=_("Overdue") if overdue else "",
            )
        )
    return [
        Group.of(
            lines,
            key="planer",
            heading=_("Individual plans to revise"),
            order=50,
            empty=_("No individual plans are due for revision."),
        )
    ]
