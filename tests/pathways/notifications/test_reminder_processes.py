"""Reminders across real processes: two sweeps at once, a real worker fed through Redis,
Redis really stopped, and a worker killed in the middle of a sweep.

These tests commit (transactional tests), so the subprocesses see the data; they run against
the test database and never touch the shared Redis server's life (an own server on a spare
port is started and stopped for the outage test).
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from pathways.models import Consent, Notification, Patient, Reminder
from pathways.notifications import reminders, tasks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
OWN_REDIS_PORT = 6391


# Helpers -------------------------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(tmp_path, redis_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        CONN_MAX_AGE="0",
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        SECRET_KEY="test-only-secret-key-not-for-production",
        ALLOW_SYNTHETIC_IDS="true",
        PYTHONPATH=str(ROOT),
    )
    return env


def wait_for(condition, timeout=90, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def port_answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.3):
        return True
    return False


@pytest.fixture
def procs():
    """Processes started by a test; each one is stopped by its own handle afterwards."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def start_worker(procs, tmp_path, redis_url: str, name: str) -> subprocess.Popen:
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",  # the sweep runs in this very process: kill -9 hits it mid-sweep
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=process_env(tmp_path, redis_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    procs.append(proc)
    return proc


@contextlib.contextmanager
def live_broker(url: str):
    """Let this process publish to a real Redis (tests run tasks eagerly otherwise)."""
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    forget_publisher_connections()
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        forget_publisher_connections()


def forget_publisher_connections():
    """Make the next publish connect to the broker now configured (as after a fork)."""
    app._pool = None
    app.amqp._producer_pool = None


def seed_expiring_consents(count: int, unit, user) -> None:
    """``count`` patients, each with one consent that runs out in ten days."""
    today = timezone.localdate()
    patients = Patient.objects.bulk_create(
        Patient(
            id_kind=Patient.IdKind.NONE,
            first_name="Test",
            last_name=f"Pasient{i}",
            birth_date=today.replace(year=1980),
            registered_by_unit=unit,
            created_by=user,
        )
        for i in range(count)
    )
    Consent.objects.bulk_create(
        Consent(
            patient=p,
            scope=Consent.Scope.REFERRAL,
            given_on=today - timedelta(days=300),
            valid_until=today + timedelta(days=10),
            recorded_by=user,
        )
        for p in patients
    )


def assert_each_reminder_once_with_its_notification(count: int, user) -> None:
    assert Reminder.objects.filter(rule="consent_expiring").count() == count
    assert Notification.objects.filter(kind="consent_expiring").count() == count
    assert not Reminder.objects.filter(notifications__isnull=True).exists()
    mine = Notification.objects.filter(user=user, kind="consent_expiring")
    assert mine.values("reminder").distinct().count() == count


# Two sweeps at once ----------------------------------------------------------------------

RACER = """
import os, sys, time
import django
django.setup()
from io import StringIO
from django.core.management import call_command
from pathways.notifications import reminders
from django.db import connection
import pathways.management.commands.reminder_sweep  # noqa: F401
# Small batches, so the two sweeps usually meet on many batches.
reminders.BATCH_SIZE = 5
# Connected and imported before saying ready: after "go" both sweep at once.
connection.ensure_connection()
ready, go = sys.argv[1], sys.argv[2]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
out = StringIO()
started = time.time()
call_command("reminder_sweep", stdout=out)
print(f"window={started} {time.time()}")
print(out.getvalue().strip().splitlines()[-1])
"""


def test_two_sweeps_at_once_in_two_processes_send_each_reminder_once(
    tmp_path, procs, coordinator, vadso_rus
):
    seed_expiring_consents(300, vadso_rus, coordinator)
    env = process_env(tmp_path, "memory://")
    go = tmp_path / "go"
    for n in (1, 2):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(tmp_path / f"ready{n}"), str(go)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    wait_for(
        lambda: all((tmp_path / f"ready{n}").exists() for n in (1, 2)),
        what="both sweeps to be ready",
    )
    go.touch()  # both start sweeping the same 300 items at the same moment
    outputs = [proc.communicate(timeout=180) for proc in procs]

    assert all(proc.returncode == 0 for proc in procs), [err for _out, err in outputs]
    sent = [int(out.strip().rsplit("sent=", 1)[1]) for out, _err in outputs]
    assert sum(sent) == 300
    # They really raced over the same rows: the two sweeps ran at the same time. (Which one
    # makes which reminders is up to the scheduler: often both make some, but the one a
    # moment behind may find every batch already made by the other, or wait on its insert
    # and then find it made.)
    windows = [
        [float(t) for t in out.split("window=", 1)[1].split("\n", 1)[0].split()]
        for out, _err in outputs
    ]
    (start_a, end_a), (start_b, end_b) = windows
    assert start_a < end_b and start_b < end_a, windows
    assert_each_reminder_once_with_its_notification(300, coordinator)


# A real worker through the real Redis -----------------------------------------------------


@pytest.mark.redis
def test_a_worker_receives_the_sweep_through_redis_and_mails_urgent_notifications(
    tmp_path, procs, coordinator, vadso_rus, patient
):
    seed_expiring_consents(3, vadso_rus, coordinator)
    with live_broker(settings.REDIS_URL):
        app.control.purge()
        start_worker(procs, tmp_path, settings.REDIS_URL, "sweeper")
        tasks.reminder_sweep.delay()
        wait_for(
            lambda: Reminder.objects.count() == 3, what="the worker's sweep to write reminders"
        )
        # An urgent notification made in a transaction: queued on commit, mailed by the worker.
        with transaction.atomic():
            [note] = reminders.notify(
                users=[coordinator], kind="test_urgent", title="Haster", urgent=True
            )
        wait_for(
            lambda: Notification.objects.get(pk=note.pk).emailed_at is not None,
            what="the worker to mail the urgent notification",
        )
    assert_each_reminder_once_with_its_notification(3, coordinator)
    # One file per mail connection: the sweep's digest of the three reminders (from 07:00)
    # may be in a file of its own beside the urgent mail's.
    mailed = "".join(path.read_text() for path in (tmp_path / "mail").iterdir())
    assert f"ref. V-{note.pk}" in mailed


# Redis really stopped ----------------------------------------------------------------------


def start_own_redis(procs, tmp_path) -> subprocess.Popen:
    assert not port_answers(OWN_REDIS_PORT), f"port {OWN_REDIS_PORT} is taken"
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(OWN_REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    procs.append(proc)
    wait_for(lambda: port_answers(OWN_REDIS_PORT), timeout=15, what="own redis-server")
    return proc


def test_with_redis_stopped_pages_work_and_pending_mail_goes_out_when_it_returns(
    tmp_path, procs, login, coordinator, patient, caplog
):
    own_url = f"redis://127.0.0.1:{OWN_REDIS_PORT}/0"
    redis = start_own_redis(procs, tmp_path)
    with live_broker(own_url):
        redis.terminate()
        redis.wait(timeout=15)
        assert not port_answers(OWN_REDIS_PORT)

        client = login(coordinator)
        assert client.get(reverse("pathways:patient_list")).status_code == 200
        assert client.get("/varsler/").status_code == 200

        started = time.monotonic()
        with transaction.atomic():
            [note] = reminders.notify(
                users=[coordinator], kind="test_urgent", title="Haster", urgent=True
            )
        assert time.monotonic() - started < 3  # the failed publish did not hold the caller
        assert "Could not queue urgent mail" in caplog.text
        assert Notification.objects.get(pk=note.pk).emailed_at is None
        assert client.get("/varsler/").status_code == 200
        assert "Varsler (1)" in client.get("/varsler/").content.decode()

        # Redis comes back; the next sweep (a task through it, run by a worker) sends the mail.
        start_own_redis(procs, tmp_path)
        start_worker(procs, tmp_path, own_url, "after-outage")
        tasks.reminder_sweep.delay()
        # The claim (emailed_at) comes just before the mail is written: wait for both.
        wait_for(
            lambda: (
                Notification.objects.get(pk=note.pk).emailed_at is not None
                and any(f.stat().st_size for f in (tmp_path / "mail").glob("*"))
            ),
            what="the pending urgent mail after Redis returned",
        )
    [mailed] = list((tmp_path / "mail").iterdir())
    text = mailed.read_text()
    assert f"ref. V-{note.pk}" in text
    assert "Ola" not in text.split("Subject:", 1)[1].splitlines()[0]


# A worker killed in the middle of a sweep -------------------------------------------------


@pytest.mark.redis
def test_a_worker_killed_mid_sweep_loses_and_duplicates_nothing(
    tmp_path, procs, coordinator, vadso_rus
):
    total = 1500
    seed_expiring_consents(total, vadso_rus, coordinator)
    with live_broker(settings.REDIS_URL):
        app.control.purge()
        worker = start_worker(procs, tmp_path, settings.REDIS_URL, "doomed")
        tasks.reminder_sweep.delay()
        wait_for(
            lambda: Reminder.objects.count() >= 50,
            interval=0.05,
            what="the sweep to be under way",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        partial = Reminder.objects.count()
        assert 0 < partial < total, partial  # killed in the middle, not before or after
        # What was committed is whole: no reminder without its notification.
        assert not Reminder.objects.filter(notifications__isnull=True).exists()
        assert Notification.objects.filter(kind="consent_expiring").count() == partial

        start_worker(procs, tmp_path, settings.REDIS_URL, "rerun")
        tasks.reminder_sweep.delay()
        wait_for(lambda: Reminder.objects.count() == total, what="the rerun to finish")
        app.control.purge()

    assert_each_reminder_once_with_its_notification(total, coordinator)
    rerun = subprocess.run(
        [sys.executable, "manage.py", "reminder_sweep"],
        cwd=ROOT,
        env=process_env(tmp_path, "memory://"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert rerun.stdout.strip().splitlines()[-1] == "sent=0"
    assert_each_reminder_once_with_its_notification(total, coordinator)
