"""Email delivery: urgent at once (queued after commit), the rest in a 07:00 Oslo digest."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from config.celery import app
from pathways.models import Notification, NotificationPreference
from pathways.notifications import reminders, tasks
from pathways.notifications import services as service

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


class BrokenSMTP(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


def make_note(user, patient=None, *, urgent=False, kind="consent_expiring", created_at=None, **kw):
    [note] = reminders.notify(
        users=[user],
        kind=kind,
        title=kw.pop("title", "Samtykke (deling, TSB døgn) utløper 01.12.2026"),
        url=kw.pop("url", f"/pasienter/{patient.pk}/" if patient else ""),
        patient=patient,
        urgent=urgent,
    )
    if created_at:
        Notification.objects.filter(pk=note.pk).update(created_at=created_at)
        note.refresh_from_db()
    return note


def test_an_urgent_notification_is_mailed_once_after_commit_with_a_reference_only(
    coordinator, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        note = make_note(coordinator, patient, urgent=True, kind="referral_overdue")
        assert mail.outbox == []  # nothing leaves before the commit

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [coordinator.email]
    assert message.subject == f"Samhandling: hastevarsel (ref. V-{note.pk})"
    assert "Nordmann" not in message.subject and "Ola" not in message.subject
    assert "Du har et hastevarsel i Samhandling." in message.body
    assert f"{settings.SITE_URL}/varsler/{note.pk}/" in message.body
    assert "Samtykke (deling" not in message.body  # the title stays in the app
    note.refresh_from_db()
    assert note.emailed_at is not None

    assert service.send_urgent([note.pk]) == 0
    assert service.email_pending_urgent() == 0
    assert len(mail.outbox) == 1


def test_a_backlog_of_urgent_mail_goes_out_a_chunk_at_a_time_each_once(
    coordinator, patient, monkeypatch
):
    # A query may carry at most 65,535 parameters: a long backlog is claimed in chunks.
    monkeypatch.setattr(service, "URGENT_CHUNK", 2)
    notes = [
        make_note(coordinator, patient, urgent=True, kind="referral_overdue") for _ in range(5)
    ]
    mail.outbox.clear()
    Notification.objects.update(emailed_at=None)
    assert service.email_pending_urgent() == 5
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Samhandling: hastevarsel (ref. V-{note.pk})" for note in notes
    )
    assert service.email_pending_urgent() == 0


def test_a_notification_that_is_not_urgent_waits_for_the_digest(
    coordinator, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note = make_note(coordinator, patient)
    assert mail.outbox == []
    assert service.email_pending_urgent() == 0
    note.refresh_from_db()
    assert note.emailed_at is None


def test_a_failed_send_gives_the_mail_back_for_the_sweep(coordinator, patient, settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenSMTP"
    note = make_note(coordinator, patient, urgent=True)
    assert service.send_urgent([note.pk]) == 0
    note.refresh_from_db()
    assert note.emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.run_periodic()
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_a_broker_failure_is_logged_and_never_reaches_the_caller(
    coordinator, patient, django_capture_on_commit_callbacks, caplog
):
    # An unreachable broker: publishing fails at once, the row stays for the sweep to mail.
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            note = make_note(coordinator, patient, urgent=True)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = previous
        app._pool = app.amqp._producer_pool = None
    assert "Could not queue urgent mail" in caplog.text
    assert mail.outbox == []
    assert service.email_pending_urgent() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=note.pk).emailed_at is not None


def test_no_mail_when_the_user_turned_email_off(coordinator, patient):
    service.preferences_update(user=coordinator, email_enabled=False, digest_enabled=True)
    note = make_note(coordinator, patient, urgent=True)
    make_note(coordinator, patient)
    assert service.send_urgent([note.pk]) == 0
    assert service.digest_send_due(now=timezone.now().replace(hour=10)) == 0
    assert mail.outbox == []


def test_no_mail_to_a_user_without_an_address_or_for_what_is_already_read(
    coordinator, colleague, patient
):
    colleague.email = ""
    colleague.save()
    unaddressed = make_note(colleague, patient, urgent=True)
    read = make_note(coordinator, patient, urgent=True)
    service.notification_mark_read(user=coordinator, notification_id=read.pk)
    assert service.send_urgent([unaddressed.pk, read.pk]) == 0
    assert mail.outbox == []


def test_urgent_mail_older_than_the_retry_window_is_left_in_app(coordinator, patient):
    make_note(
        coordinator,
        patient,
        urgent=True,
        created_at=timezone.now() - timedelta(hours=settings.NOTIFICATION_EMAIL_RETRY_HOURS + 1),
    )
    assert service.email_pending_urgent() == 0


# The digest ---------------------------------------------------------------------------


def oslo(*args):
    return datetime(*args, tzinfo=OSLO)


@pytest.mark.parametrize(
    "day",
    [(2026, 1, 14), (2026, 7, 14)],  # winter (UTC+1) and summer time (UTC+2)
)
def test_the_digest_goes_out_at_seven_oslo_time_once_a_day(coordinator, patient, day):
    make_note(coordinator, patient, created_at=oslo(*day, 6, 0) - timedelta(hours=10))

    assert service.digest_send_due(now=oslo(*day, 6, 59)) == 0
    assert mail.outbox == []
    assert service.digest_send_due(now=oslo(*day, 7, 0)) == 1
    assert len(mail.outbox) == 1
    # The beat task and the 10-minute sweep both try; the day's claim lets one through.
    make_note(coordinator, patient, created_at=oslo(*day, 7, 5))
    assert service.digest_send_due(now=oslo(*day, 7, 10)) == 0
    assert len(mail.outbox) == 1

    next_day = oslo(*day, 7, 0) + timedelta(days=1)
    assert service.digest_send_due(now=next_day) == 1
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.endswith("(1 varsel)")
    assert "Du har 1 nytt varsel i Samhandling." in mail.outbox[1].body


def test_the_digest_groups_notifications_by_kind_with_links_and_no_name_in_the_subject(
    coordinator, patient
):
    now = oslo(2026, 3, 10, 7, 0)
    first = make_note(coordinator, patient, created_at=now - timedelta(hours=5))
    make_note(
        coordinator,
        None,
        kind="break_glass_unreviewed",
        title="Nødtilgang brukt av Siri Sarpsborg er ikke gjennomgått",
        created_at=now - timedelta(hours=4),
    )
    make_note(coordinator, patient, created_at=now - timedelta(hours=3))
    make_note(
        coordinator, patient, kind="something_new", title="Noe nytt", created_at=now - timedelta(1)
    )
    urgent = make_note(coordinator, patient, urgent=True, created_at=now - timedelta(hours=2))
    Notification.objects.filter(pk=urgent.pk).update(emailed_at=now - timedelta(hours=2))

    assert service.digest_send_due(now=now) == 1

    [message] = mail.outbox
    assert message.subject == "Samhandling: daglig oversikt 10.03.2026 (4 varsler)"
    assert "Ola" not in message.subject and "Nordmann" not in message.subject
    body = message.body
    assert "Du har 4 nye varsler i Samhandling." in body
    headings = [
        "Andre varsler",
        "Samtykke som snart utløper eller har utløpt",
        "Nødtilgang som venter på gjennomgang",
    ]
    positions = [body.index(h) for h in headings]
    assert positions == sorted(positions)  # groups in the order of their oldest entry
    consent_group = body[positions[1] : positions[2]]
    assert consent_group.count("- V-") == 2
    assert "Samtykke (deling, TSB døgn)" not in body and "Siri Sarpsborg" not in body
    assert f"V-{first.pk}: {settings.SITE_URL}/varsler/{first.pk}/" in consent_group
    assert f"{settings.SITE_URL}/varsler/innstillinger/" in body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_digest_off_keeps_urgent_mail_on(coordinator, patient):
    service.preferences_update(user=coordinator, email_enabled=True, digest_enabled=False)
    now = oslo(2026, 3, 10, 10, 0)
    make_note(coordinator, patient, created_at=now - timedelta(hours=1))
    urgent = make_note(coordinator, patient, urgent=True, created_at=now - timedelta(hours=1))
    assert service.digest_send_due(now=now) == 0
    assert service.send_urgent([urgent.pk], now=now) == 1
    assert [m.subject for m in mail.outbox] == [f"Samhandling: hastevarsel (ref. V-{urgent.pk})"]


def test_the_digest_for_each_user_holds_only_their_own_notifications(
    coordinator, colleague, patient
):
    now = oslo(2026, 3, 10, 8, 0)
    mine = make_note(coordinator, patient, created_at=now - timedelta(hours=1))
    theirs = make_note(colleague, patient, created_at=now - timedelta(hours=1))
    assert service.digest_send_due(now=now) == 2
    by_user = {m.to[0]: m.body for m in mail.outbox}
    assert f"V-{mine.pk}" in by_user[coordinator.email]
    assert f"V-{theirs.pk}" not in by_user[coordinator.email]


def test_preferences_default_to_on_and_are_saved_per_user(coordinator, colleague):
    assert service.preference_for(coordinator).email_enabled is True
    assert service.preference_for(coordinator).digest_enabled is True
    service.preferences_update(user=coordinator, email_enabled=True, digest_enabled=False)
    pref = NotificationPreference.objects.get(user=coordinator)
    assert (pref.email_enabled, pref.digest_enabled) == (True, False)
    assert not NotificationPreference.objects.filter(user=colleague).exists()


# The schedule ---------------------------------------------------------------------------


def test_beat_sweeps_every_ten_minutes_and_digests_at_seven_oslo_time():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["reminder-sweep"]["task"] == "pathways.reminder_sweep"
    assert schedule["reminder-sweep"]["schedule"] == 600
    digest = schedule["daily-digest"]["schedule"]
    assert isinstance(digest, crontab)
    assert digest.hour == {7} and digest.minute == {0}
    assert app.conf.timezone == "Europe/Oslo"
    assert schedule["daily-digest"]["task"] == "pathways.daily_digest"


def test_new_notifications_are_handed_to_the_mail_queue_by_the_app():
    # Filled from PathwaysConfig.ready(): reminders itself never imports the mail code.
    assert reminders.ON_NOTIFIED.count(tasks.queue_urgent_email) == 1


def test_every_task_has_soft_and_hard_time_limits():
    ours = {name: task for name, task in app.tasks.items() if name.startswith("pathways.")}
    assert set(ours) == {
        "pathways.reminder_sweep",
        "pathways.send_urgent_email",
        "pathways.daily_digest",
        "pathways.fhir_subscriptions_sweep",
        "pathways.fhir_subscription_deliver",
        "pathways.render_document",
        "pathways.kept_documents_prune",
        "pathways.send_portal_notices",
    }
    for task in ours.values():
        assert task.soft_time_limit and task.time_limit
        assert task.soft_time_limit < task.time_limit
