"""Reminder rules: assessment due soon and overdue, frist soon and passed, young patients
waiting long; each reminder sent once however often the sweep runs."""

import datetime

import pytest
from django.utils import timezone

from accounts.acting import Actor
from pathways.models import Notification
from pathways.notifications.reminders import sweep
from referrals.models import Referral

pytestmark = pytest.mark.django_db

RULES = [
    "referral_assessment_due_soon",
    "referral_assessment_overdue",
    "referral_frist_soon",
    "referral_frist_passed",
    "referral_under_23_waiting",
]


def titles(user):
    return list(
        Notification.objects.filter(user=user, reminder__isnull=False).values_list(
            "title", flat=True
        )
    )


def test_the_rules_are_registered_by_the_app():
    from pathways.notifications.reminders import RULES as registered

    assert set(RULES) <= set(registered)


def test_an_overdue_assessment_is_reminded_once(referral, tsb_intake):
    Referral.objects.filter(pk=referral.pk).update(
        assessment_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert sweep(rules=RULES) == 1
    assert sweep(rules=RULES) == 0
    (title,) = titles(tsb_intake)
    assert referral.patient.full_name in title


def test_an_assessment_due_within_two_working_days_is_reminded(referral, tsb_intake):
    Referral.objects.filter(pk=referral.pk).update(assessment_due=timezone.localdate())
    sweep(rules=RULES)
    assert len(titles(tsb_intake)) == 1


def test_a_fresh_referral_is_not_reminded(referral, tsb_intake):
    assert sweep(rules=RULES) == 0


def test_a_frist_coming_up_and_a_passed_frist(granted, tsb_intake, intake_leader):
    Referral.objects.filter(pk=granted.pk).update(
        start_deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    assert sweep(rules=RULES) == 1
    Referral.objects.filter(pk=granted.pk).update(
        start_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert sweep(rules=RULES) == 1
    urgent = Notification.objects.get(user=intake_leader, urgent=True)
    assert "Helfo" in urgent.title


def test_a_young_patient_waiting_65_working_days_is_flagged(granted, tsb_intake):
    long_ago = timezone.localdate() - datetime.timedelta(days=120)
    Referral.objects.filter(pk=granted.pk).update(under_23=True, seniority_date=long_ago)
    sweep(rules=["referral_under_23_waiting"])
    assert any("23" in t for t in titles(tsb_intake))


def test_reminder_titles_write_dates_as_the_pages_do(referral, tsb_intake):
    due = datetime.date(timezone.localdate().year - 1, 1, 2)
    Referral.objects.filter(pk=referral.pk).update(assessment_due=due)
    sweep(rules=RULES)
    (title,) = titles(tsb_intake)
    assert f"2.1.{due.year}" in title
    assert "02.01." not in title


def test_the_periodic_sweep_ends_access_after_a_rejection(
    referral, tsb_intake, unn_intake, settings
):
    from pathways.access import access_basis
    from pathways.notifications.tasks import run_periodic
    from referrals import services

    settings.REFERRAL_REJECTED_ACCESS_DAYS = 30
    services.referral_reject(
        referral=referral, actor=Actor(tsb_intake, unn_intake), reason="Ikke rusproblematikk."
    )
    run_periodic()
    assert access_basis(tsb_intake, unn_intake, referral.patient_id) is not None
    run_periodic(now=timezone.now() + datetime.timedelta(days=31))
    assert access_basis(tsb_intake, unn_intake, referral.patient_id) is None
