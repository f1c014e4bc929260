"""Reminder rules of the individuell plan: revision due soon and overdue."""

import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from pathways.models import (
    CoordinatorAssignment,
    IndividualPlan,
)
from pathways.notifications.reminders import Due, rule, unit_users

# --- individual plan: revision due soon and overdue ---------------------------------------

PLAN_REVISION_WARNING_DAYS = 14
# An overdue plan is reminded once when it becomes overdue; plans long past their date were
# reminded then, so the sweep does not re-read an ever-growing tail.
PLAN_OVERDUE_LOOKBACK_DAYS = 60


def _plan_reminders(plans, *, stage: str, title: str, urgent: bool):
    plans = list(plans.select_related("patient", "owner_unit"))
    coordinators = {
        a.patient_id: a.user
        for a in CoordinatorAssignment.objects.active()
        .filter(patient_id__in=[p.patient_id for p in plans])
        .select_related("user")
    }
    roles = [Membership.Role.COORDINATOR, Membership.Role.LEADER]
    for plan in plans:
        coordinator = coordinators.get(plan.patient_id)
        recipients = (
            [coordinator] if coordinator is not None else unit_users([plan.owner_unit], roles=roles)
        )
        yield Due(
            obj=plan,
            stage=f"{stage}:{plan.next_revision_on.isoformat()}",
            title=title % {"date": formats.date_format(plan.next_revision_on, "j.n.Y")},
            recipients=recipients,
            url=reverse("pathways:plan", args=[plan.patient_id]),
            patient=plan.patient,
            urgent=urgent,
        )


@rule("plan_revision_soon", label=gettext_lazy("Individual plans due for revision"))
def plan_revision_soon(now):
    """Open plans whose revision date falls within the next 14 days."""
    today = timezone.localdate(now)
    plans = IndividualPlan.objects.exclude(status=IndividualPlan.Status.CLOSED).filter(
        next_revision_on__gte=today,
        next_revision_on__lte=today + datetime.timedelta(days=PLAN_REVISION_WARNING_DAYS),
    )
    return _plan_reminders(
        plans, stage="soon", title=_("Individual plan due for revision on %(date)s"), urgent=False
    )


@rule("plan_revision_overdue", label=gettext_lazy("Individual plans overdue for revision"))
def plan_revision_overdue(now):
    """Open plans whose revision date has passed."""
    today = timezone.localdate(now)
    plans = IndividualPlan.objects.exclude(status=IndividualPlan.Status.CLOSED).filter(
        next_revision_on__lt=today,
        next_revision_on__gte=today - datetime.timedelta(days=PLAN_OVERDUE_LOOKBACK_DAYS),
    )
    return _plan_reminders(
        plans,
        stage="overdue",
        title=_("Individual plan revision overdue since %(date)s"),
        urgent=True,
    )
