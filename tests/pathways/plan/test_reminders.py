"""Plan revision reminders: due within 14 days, and overdue; each sent once."""

import datetime

import pytest
from django.utils import timezone

from pathways.models import IndividualPlan, Notification
from pathways.notifications.reminders import sweep
from tests.pathways.plan.setup import start_plan

pytestmark = pytest.mark.django_db

RULES = ["plan_revision_soon", "plan_revision_overdue"]


def _set_revision(plan, days):
    IndividualPlan.objects.filter(pk=plan.pk).update(
        next_revision_on=timezone.localdate() + datetime.timedelta(days=days)
    )


def test_the_koordinator_is_reminded_once_when_revision_is_near(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    _set_revision(plan, 10)
    assert sweep(rules=RULES) == 1
    assert sweep(rules=RULES) == 0
    note = Notification.objects.get(user=coordinator, kind="plan_revision_soon")
    assert note.patient == patient and not note.urgent


def test_an_overdue_revision_is_urgent_and_a_new_date_reminds_again(
    coordinator, vadso_rus, patient
):
    plan = start_plan(patient, coordinator, vadso_rus)
    _set_revision(plan, -2)
    assert sweep(rules=RULES) == 1
    assert Notification.objects.get(kind="plan_revision_overdue").urgent
    _set_revision(plan, 5)
    assert sweep(rules=RULES) == 1  # a new revision date is a new reminder


def test_plans_far_from_revision_or_closed_are_left_alone(coordinator, vadso_rus, patient):
    plan = start_plan(patient, coordinator, vadso_rus)
    assert sweep(rules=RULES) == 0  # six months ahead
    _set_revision(plan, 3)
    IndividualPlan.objects.filter(pk=plan.pk).update(status=IndividualPlan.Status.CLOSED)
    assert sweep(rules=RULES) == 0


def test_without_a_koordinator_the_owner_units_coordinators_are_told(
    coordinator, leader, vadso_rus, patient
):
    from pathways.models import CoordinatorAssignment

    plan = start_plan(patient, coordinator, vadso_rus)
    CoordinatorAssignment.objects.filter(patient=patient).update(ended_at=timezone.now())
    _set_revision(plan, 1)
    sweep(rules=RULES)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        coordinator.username,
        leader.username,
    }
