"""Past one machine: a throwaway primary PostgreSQL cluster, migrated once for the session,
and helpers that start and stop the app's processes (gunicorn, Celery, Redis) on free ports.

Like tests/faults, nothing here touches the shared PostgreSQL server or Redis: the clusters
and the Redis server live in temporary folders under /tmp and go away afterwards, also when a
test fails. Each process writes its log there; a failing wait shows the log's tail.
"""

import contextlib
import getpass
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.conftest import ROOT, Browser, Cluster, _pg_bin, free_port

APP_ENV = {
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "DEBUG": "false",
    "SECRET_KEY": "scale-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "STATIC_MANIFEST": "false",
    "ALLOW_SYNTHETIC_IDS": "true",
    "CONN_MAX_AGE": "600",
    "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    # The reminder rules and the digest run whatever the hour (the digest is due from 00:00).
    "DIGEST_HOUR": "0",
    "TIME_ZONE": "Europe/Oslo",
}
# Staff and data made once for the session (see SETUP).
LEADER = "skala.leder"
COORDINATORS = ("skala.koord1", "skala.koord2", "skala.koord3")
DUE_CONSENTS = 240
UNREVIEWED_GLASS = 60
OVERDUE_REFERRALS = 20

SETUP = f"""
import datetime
from django.utils import timezone
from accounts.models import Membership, Organisation, ServiceUnit
from pathways.models import BreakGlassAccess, Consent, Patient
from referrals.models import Referral
from tests.factories import make_org, make_patient, make_unit, make_user

unn = make_org("Universitetssykehuset Nord-Norge HF", level=Organisation.Level.SPESIALIST)
intake = make_unit(unn, ServiceUnit.Kind.TSB_POLIKLINIKK, "TSB inntaksteam")
leader = make_user(intake, Membership.Role.LEADER, username="{LEADER}")
make_user(intake, Membership.Role.INTAKE, username="skala.inntak")
kommune = make_unit(make_org("Vadsø kommune"), name="Rus- og psykisk helseenheten")
coordinators = [make_user(kommune, Membership.Role.COORDINATOR, username=name)
                for name in {COORDINATORS!r}]
patient = make_patient(kommune, by=coordinators[0], first_name="Ola", last_name="Nordmann")
today = timezone.localdate()
for _n in range(2):
    Referral.objects.create(
        patient=patient, referring_unit=kommune, referred_by=coordinators[0],
        receiving_unit=intake, state=Referral.State.RECEIVED, reason="r", question="q",
        seniority_date=today, received_on=today, assessment_due=today + datetime.timedelta(days=14),
    )
# Due reminders for the sweep: referrals not assessed in time (urgent: mailed at once),
# consents running out soon and emergency access not reviewed (in the daily digest).
for _n in range({OVERDUE_REFERRALS}):
    Referral.objects.create(
        patient=patient, referring_unit=kommune, referred_by=coordinators[0],
        receiving_unit=intake, state=Referral.State.RECEIVED, reason="r", question="q",
        seniority_date=today - datetime.timedelta(days=20),
        received_on=today - datetime.timedelta(days=20),
        assessment_due=today - datetime.timedelta(days=5),
    )
others = Patient.objects.bulk_create(
    Patient(id_kind=Patient.IdKind.NONE, first_name="Skala", last_name=f"Pasient{{i}}",
            birth_date=datetime.date(1980, 1, 1), registered_by_unit=kommune,
            created_by=coordinators[0])
    for i in range({DUE_CONSENTS})
)
Consent.objects.bulk_create(
    Consent(patient=p, unit=kommune, scope=Consent.Scope.SHARING,
            given_on=today - datetime.timedelta(days=300),
            valid_until=today + datetime.timedelta(days=5 + i % 20),
            recorded_by=coordinators[i % 3])
    for i, p in enumerate(others)
)
now = timezone.now()
BreakGlassAccess.objects.bulk_create(
    BreakGlassAccess(user=coordinators[1], unit=kommune, patient=others[i], reason="emergency",
                     explanation="Skala", granted_at=now - datetime.timedelta(days=5),
                     expires_at=now - datetime.timedelta(days=5, hours=-4))
    for i in range({UNREVIEWED_GLASS})
)
make_user(kommune, Membership.Role.LEADER, username="skala.kommuneleder")
print("PATIENT", patient.pk)
"""


@dataclass
class Primary:
    cluster: Cluster
    database: str
    patient_id: int
    folder: Path

    @property
    def url(self) -> str:
        return self.cluster.url(self.database)

    def env(self, **extra) -> dict:
        # Nothing from the test run's own database or broker leaks into the app's processes.
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
        env.update(APP_ENV, DATABASE_URL=self.url, REDIS_URL="redis://127.0.0.1:6399/0")
        env.update(extra)  # by default Redis is where nothing listens
        return env


def can_run_clusters():
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser")
    if os.geteuid() != 0 and getpass.getuser() == "root":
        pytest.skip("cannot tell which user runs PostgreSQL")
    return pg_bin


def manage(env, *args, timeout=300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return done.stdout


def shell(env, code: str) -> str:
    return manage(env, "shell", "-c", code, timeout=180)


@pytest.fixture(scope="session")
def primary():
    pg_bin = can_run_clusters()
    folder = Path(tempfile.mkdtemp(prefix="samhandling-scale-", dir="/tmp"))
    cluster = Cluster(pg_bin, folder, free_port(5470))
    try:
        cluster.init()
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE samhandling_scale")
        made = Primary(cluster, "samhandling_scale", 0, folder)
        manage(made.env(), "migrate", "-v0")
        out = shell(made.env(), SETUP)
        made.patient_id = int(re.search(r"PATIENT (\d+)", out).group(1))
        yield made
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def tail(path: Path, lines: int = 40) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def wait_until(check, *, timeout: float, what: str, log: Path | None = None, every=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s\n{tail(log) if log else ''}")


class Processes:
    """Started processes, each stopped (TERM, then KILL) when the block ends."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.started: list[tuple[subprocess.Popen, object]] = []

    def start(self, argv, env, log_name) -> tuple[subprocess.Popen, Path]:
        log = self.folder / log_name
        handle = open(log, "w")  # noqa: SIM115 - closed in stop_all
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((proc, handle))
        return proc, log

    def gunicorn(self, env, name) -> tuple[str, subprocess.Popen, Path]:
        port = free_port(8300 + 20 * len(self.started))
        proc, log = self.start(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "1",
             "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--timeout", "60",
             "--log-level", "warning"],
            env,
            f"{name}.log",
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        wait_for_http(base_url, proc, log)
        return base_url, proc, log

    def stop_all(self):
        for proc, _handle in reversed(self.started):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc, handle in reversed(self.started):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            handle.close()


def wait_for_http(base_url, proc, log):
    import httpx

    def answers():
        if proc.poll() is not None:
            raise AssertionError(f"{base_url} exited:\n{tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(base_url + "/healthz", timeout=5).status_code == 200
        return False

    wait_until(answers, timeout=90, what=f"gunicorn at {base_url}", log=log)


def hidden_fields(html: str) -> dict:
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def submit(browser: Browser, path: str, data: dict, *, page_from: Browser | None = None):
    """Post a form as a browser would: its hidden fields (CSRF token, form key) from the page,
    fetched through ``page_from`` (another server sharing the cookie jar) when given."""
    page = (page_from or browser).get(path)
    assert page.status_code == 200, page.status_code
    payload = {**hidden_fields(page.text), **data}
    return browser._keep(browser.http.post(path, data=payload, headers=browser._headers()))


def log_in(base_url, username) -> Browser:
    return Browser(base_url).log_in(username)
