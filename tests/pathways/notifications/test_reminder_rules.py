"""The consent and break-the-glass rules, run eagerly through the real sweep."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership
from pathways.models import BreakGlassAccess, CareTeamMember, Consent, Notification, Reminder
from pathways.notifications import reminders, tasks
from pathways.patients.services.breakglass import break_glass_open, break_glass_review
from pathways.patients.services.careteam import consent_record, consent_withdraw
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def record_sharing(patient, by, unit, target, valid_until, given_on=None):
    today = timezone.localdate()
    [consent] = consent_record(
        patient=patient,
        actor=Actor(by, unit),
        scope=Consent.Scope.SHARING,
        given_on=given_on or min(today, valid_until) - timedelta(days=30),
        units=[target],
        valid_until=valid_until,
    )
    return consent


@pytest.fixture
def tsb_coordinator(unn_tsb):
    return make_user(unn_tsb, Membership.Role.COORDINATOR, username="unnkoordinator")


def notes_for(user, kind):
    return Notification.objects.filter(user=user, kind=kind)


def test_a_consent_expiring_within_30_days_reminds_the_recorder_and_the_units_coordinators(
    patient, coordinator, vadso_rus, unn_tsb, tsb_coordinator, tsb_clinician
):
    consent = record_sharing(
        patient, coordinator, vadso_rus, unn_tsb, timezone.localdate() + timedelta(days=20)
    )

    assert reminders.sweep(rules=["consent_expiring"]) == 1

    reminder = Reminder.objects.get()
    assert (reminder.rule, reminder.stage) == ("consent_expiring", "30d")
    assert reminder.object_key == f"pathways.consent:{consent.pk}"
    recipients = set(
        Notification.objects.filter(reminder=reminder).values_list("user__username", flat=True)
    )
    assert recipients == {"kari", "unnkoordinator"}
    note = notes_for(coordinator, "consent_expiring").get()
    assert note.patient == patient
    assert note.url == f"/pasienter/{patient.pk}/"
    assert "TSB døgn" in note.title
    assert patient.last_name not in note.title
    assert not note.urgent


def test_a_consent_running_longer_than_30_days_is_not_due_yet(
    patient, coordinator, vadso_rus, unn_tsb
):
    record_sharing(
        patient, coordinator, vadso_rus, unn_tsb, timezone.localdate() + timedelta(days=31)
    )
    assert reminders.sweep(rules=["consent_expiring"]) == 0


def test_a_consent_renewed_by_a_later_one_is_not_reminded(patient, coordinator, vadso_rus, unn_tsb):
    today = timezone.localdate()
    record_sharing(patient, coordinator, vadso_rus, unn_tsb, today + timedelta(days=10))
    record_sharing(patient, coordinator, vadso_rus, unn_tsb, today + timedelta(days=400))
    assert reminders.sweep(rules=["consent_expiring"]) == 0


def test_a_withdrawn_consent_is_not_reminded(patient, coordinator, vadso_rus, unn_tsb):
    consent = record_sharing(
        patient, coordinator, vadso_rus, unn_tsb, timezone.localdate() + timedelta(days=5)
    )
    consent_withdraw(consent=consent, actor=Actor(coordinator, vadso_rus))
    assert reminders.sweep(rules=["consent_expiring"]) == 0


def test_the_same_reminder_is_sent_once_however_often_the_sweep_runs(
    patient, coordinator, vadso_rus, unn_tsb
):
    record_sharing(
        patient, coordinator, vadso_rus, unn_tsb, timezone.localdate() + timedelta(days=3)
    )
    assert reminders.sweep() == 1
    assert reminders.sweep() == 0
    assert tasks.run_periodic() == 0
    assert Reminder.objects.count() == 1
    assert notes_for(coordinator, "consent_expiring").count() == 1


def test_the_sweep_ends_access_when_consent_has_expired_and_says_so(
    patient, coordinator, vadso_rus, unn_tsb, tsb_coordinator
):
    today = timezone.localdate()
    record_sharing(patient, coordinator, vadso_rus, unn_tsb, today + timedelta(days=1))
    member = CareTeamMember.objects.get(patient=patient, unit=unn_tsb)
    assert member.ended_at is None

    assert tasks.run_periodic() == 1  # expires tomorrow: the 30-day notice
    assert CareTeamMember.objects.get(pk=member.pk).ended_at is None
    three_days_on = timezone.now() + timedelta(days=3)
    assert tasks.run_periodic(now=three_days_on) == 1  # expired: access ends, notice

    member.refresh_from_db()
    assert member.ended_at is not None
    assert member.end_reason
    stages = set(Reminder.objects.values_list("stage", flat=True))
    assert stages == {"30d", "expired"}
    expired = notes_for(tsb_coordinator, "consent_expiring").get(reminder__stage="expired")
    assert "TSB døgn" in expired.title


def test_a_consent_long_expired_is_not_reported_again(patient, coordinator, vadso_rus, unn_tsb):
    today = timezone.localdate()
    record_sharing(patient, coordinator, vadso_rus, unn_tsb, today - timedelta(days=30))
    assert reminders.sweep(rules=["consent_expiring"]) == 0


@pytest.fixture
def glass(other_kommune_user, sarpsborg_rus, patient):
    return break_glass_open(
        patient=patient,
        actor=Actor(other_kommune_user, sarpsborg_rus),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation="Akutt innleggelse på kveldstid",
    )


@pytest.fixture
def sarpsborg_leader(sarpsborg_rus):
    return make_user(sarpsborg_rus, Membership.Role.LEADER, username="sarpsborgleder")


def test_break_the_glass_unreviewed_after_two_days_goes_to_the_units_leaders(
    glass, sarpsborg_leader, other_kommune_user, leader
):
    BreakGlassAccess.objects.filter(pk=glass.pk).update(
        granted_at=timezone.now() - timedelta(days=2, minutes=1)
    )

    assert reminders.sweep(rules=["break_glass_unreviewed"]) == 1

    note = Notification.objects.get(kind="break_glass_unreviewed")
    assert note.user == sarpsborg_leader  # not the user who opened it, not Vadsø's leader
    assert "Akutt innleggelse" in note.body
    assert note.patient is None
    assert note.url == reverse("breakglass_review")
    assert reminders.sweep(rules=["break_glass_unreviewed"]) == 0


def test_break_the_glass_is_not_chased_before_two_days(glass, sarpsborg_leader):
    BreakGlassAccess.objects.filter(pk=glass.pk).update(
        granted_at=timezone.now() - timedelta(days=1, hours=23)
    )
    assert reminders.sweep(rules=["break_glass_unreviewed"]) == 0


def test_reviewed_break_the_glass_is_not_chased(glass, sarpsborg_leader):
    BreakGlassAccess.objects.filter(pk=glass.pk).update(
        granted_at=timezone.now() - timedelta(days=5)
    )
    break_glass_review(grant=glass, actor=Actor(sarpsborg_leader), note="Ok")
    assert reminders.sweep(rules=["break_glass_unreviewed"]) == 0


def test_the_command_prints_how_many_reminders_it_sent_as_its_last_line(
    patient, coordinator, vadso_rus, unn_tsb
):
    record_sharing(
        patient, coordinator, vadso_rus, unn_tsb, timezone.localdate() + timedelta(days=3)
    )
    out = StringIO()
    call_command("reminder_sweep", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "sent=1"
    out = StringIO()
    call_command("reminder_sweep", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "sent=0"


def test_the_break_the_glass_reminder_opens_the_review_page(client, glass, sarpsborg_leader):
    BreakGlassAccess.objects.filter(pk=glass.pk).update(
        granted_at=timezone.now() - timedelta(days=3)
    )
    reminders.sweep(rules=["break_glass_unreviewed"])
    note = Notification.objects.get(kind="break_glass_unreviewed")
    client.force_login(sarpsborg_leader)
    opened = client.get(reverse("notifications:open", args=[note.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == reverse("breakglass_review")
    assert client.get(opened["Location"]).status_code == 200
