"""Time the reminder sweep over 100,000 open items of which only a few are due.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sh_bench_sweep .venv/bin/python bench/sweep.py

Creates the database's tables (migrate) and seeds once: 100,000 consents that run for years
(or have no end), 20,000 reviewed break-the-glass grants, and DUE items that are due now.
Each timed run first removes the reminders of the previous run, so every run does the same work.
Prints the timings and the query plans of the due-date queries (they must use the indexes).
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOW_SYNTHETIC_IDS", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, Organisation  # noqa: E402
from accounts.services import membership_add, unit_create  # noqa: E402
from pathways.models import BreakGlassAccess, Consent, Notification, Patient, Reminder  # noqa: E402
from pathways.notifications import reminders, tasks  # noqa: E402

OPEN = 100_000
GLASS = 20_000
DUE = 200
BATCH = 5_000


def seed():
    from django.contrib.auth import get_user_model

    if Consent.objects.count() >= OPEN:
        return
    today = timezone.localdate()
    now = timezone.now()
    org = Organisation.objects.create(
        name="Benk kommune", org_number="999000001", level=Organisation.Level.KOMMUNE
    )
    unit = unit_create(organisation=org, name="Benk rus", kind="rus_psykisk_helse")
    user = get_user_model().objects.create_user("benk", "benk@example.no", "x" * 16)
    membership_add(user=user, unit=unit, role=Membership.Role.LEADER)
    membership_add(user=user, unit=unit, role=Membership.Role.COORDINATOR)
    patients = Patient.objects.bulk_create(
        (
            Patient(
                id_kind=Patient.IdKind.NONE,
                first_name="Benk",
                last_name=f"Pasient{i}",
                birth_date=today.replace(year=1980),
                registered_by_unit=unit,
                created_by=user,
            )
            for i in range(OPEN + DUE)
        ),
        batch_size=BATCH,
    )
    consents = []
    for i, patient in enumerate(patients):
        due = i >= OPEN
        consents.append(
            Consent(
                patient=patient,
                unit=unit,
                scope=Consent.Scope.SHARING,
                given_on=today - timedelta(days=400),
                # Not due: runs for one to five years, or has no end at all.
                valid_until=today + timedelta(days=10 + i % 20)
                if due
                else (None if i % 4 == 0 else today + timedelta(days=365 + i % 1500)),
                recorded_by=user,
            )
        )
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    BreakGlassAccess.objects.bulk_create(
        (
            BreakGlassAccess(
                user=user,
                unit=unit,
                patient=patients[i],
                reason="emergency",
                explanation="Benk",
                granted_at=now - timedelta(days=30),
                expires_at=now - timedelta(days=30) + timedelta(hours=4),
                # All but the last few were reviewed long ago.
                reviewed_at=None if i >= GLASS - 20 else now - timedelta(days=29),
                reviewed_by=None if i >= GLASS - 20 else user,
            )
            for i in range(GLASS)
        ),
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def main():
    if connection.vendor != "postgresql":
        raise SystemExit("Run this against PostgreSQL (DATABASE_URL).")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed()
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    print(
        f"open consents {Consent.objects.count():,}, "
        f"break-the-glass grants {BreakGlassAccess.objects.count():,}"
    )

    now = timezone.now()
    timings = []
    for _run in range(3):
        Notification.objects.filter(reminder__isnull=False).delete()
        Reminder.objects.all().delete()
        started = time.perf_counter()
        sent = reminders.sweep(now)
        timings.append(time.perf_counter() - started)
    print(f"sweep (all rules) sent={sent} in {min(timings) * 1000:.0f} ms (best of 3)")

    started = time.perf_counter()
    again = reminders.sweep(now)
    idle = time.perf_counter() - started
    print(f"second sweep, nothing new: sent={again} in {idle * 1000:.0f} ms")
    started = time.perf_counter()
    periodic = tasks.run_periodic(now)
    print(
        f"run_periodic (consent expiry, rules, pending mail): sent={periodic} "
        f"in {(time.perf_counter() - started) * 1000:.0f} ms"
    )

    today = timezone.localdate(now)
    print("\nPlans of the due-date queries:")
    print("  consent expiring within 30 days")
    print(
        explain(
            Consent.objects.filter(
                withdrawn_at__isnull=True,
                valid_until__gte=today,
                valid_until__lte=today + timedelta(days=30),
            )
        )
    )
    print("  break-the-glass unreviewed after 2 days")
    print(
        explain(
            BreakGlassAccess.objects.filter(
                reviewed_at__isnull=True, granted_at__lte=now - timedelta(days=2)
            )
        )
    )
    print("  unmailed notifications")
    print(explain(Notification.objects.filter(emailed_at__isnull=True, urgent=True)))


if __name__ == "__main__":
    main()
