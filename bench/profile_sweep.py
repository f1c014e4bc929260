"""Profile the first reminder sweep over the seeded benchmark database, then undo it.

    BENCH_DATABASE_URL=postgres://…/samhandling_bench .venv/bin/python bench/profile_sweep.py \
        [--profile]

Times ``sweep()`` twice (the second must send nothing), counts queries, and with ``--profile``
prints a cProfile summary of the first run. Afterwards the reminders and notifications the
runs made are deleted, so the next run does the same work.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(
    DATABASE_URL=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/samhandling_bench"
    ),
    DEBUG="false",
    SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106
    ALLOW_SYNTHETIC_IDS="true",
    CELERY_TASK_ALWAYS_EAGER="true",
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    LOG_LEVEL="WARNING",
    DJANGO_SETTINGS_MODULE="config.settings",
)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from pathways.models import Notification, Reminder  # noqa: E402
from pathways.notifications.reminders import sweep  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    mail.outbox = []
    started_at = timezone.now()
    profiler = cProfile.Profile()
    try:
        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            if args.profile:
                profiler.enable()
            sent = sweep()
            profiler.disable()
            first = time.monotonic() - started
        first_queries = len(queries)
        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            again = sweep()
            second = time.monotonic() - started
        print(
            f"first sweep: {sent} reminders, {Notification.objects.count()} notifications, "
            f"{len(mail.outbox)} mails, {first:.2f} s, {first_queries} queries; "
            f"second: {again} sent, {second:.2f} s, {len(queries)} queries"
        )
    finally:
        Notification.objects.filter(created_at__gte=started_at).delete()
        Reminder.objects.filter(created_at__gte=started_at).delete()
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
