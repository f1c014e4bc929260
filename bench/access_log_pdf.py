"""Time the access-log PDF of a busy record: 5,000 events in one year (warm, WeasyPrint loaded).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sh_bench_accesslog \
        .venv/bin/python bench/access_log_pdf.py

Creates the tables (migrate) and seeds once: a patient followed by five units with twelve
people, who read and change the record on most working days of the last year (sessions of a few
page reads, some changes and prints, two emergency accesses), 5,000 events in all. Then prints
the default PDF (the last year) once to warm up and times RUNS more; prints each time, the median,
the size and the number of pages.
"""

import io
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOW_SYNTHETIC_IDS", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from accounts.acting import Actor  # noqa: E402
from accounts.models import AuditEvent, Membership, Organisation  # noqa: E402
from accounts.services import membership_add, unit_create  # noqa: E402
from pathways.models import CareTeamMember, Patient  # noqa: E402
from pathways.patients.demo_ids import synthetic_id  # noqa: E402
from pathways.patients.services.careteam import care_team_add  # noqa: E402
from pathways.patients.services.patients import patient_register  # noqa: E402

EVENTS = 5_000
RUNS = 3
PAGES = ["", "plan/", "plan/historikk/", "moter/", "behandling/", "samtykke/", "parorende/"]
CHANGED = ["pathways.measure", "pathways.goal", "pathways.meeting", "pathways.treatmentepisode"]


def seed() -> tuple[Patient, object]:
    from django.contrib.auth import get_user_model

    existing = Patient.objects.filter(last_name="Tilgangslogg").first()
    if existing is not None:
        return existing, existing.created_by
    User = get_user_model()
    kommune = Organisation.objects.create(
        name="Benk kommune", org_number="999000101", level=Organisation.Level.KOMMUNE
    )
    hf = Organisation.objects.create(
        name="Benk HF", org_number="999000102", level=Organisation.Level.SPESIALIST
    )
    units = [
        unit_create(organisation=kommune, name="Rus og psykisk helse", kind="rus_psykisk_helse"),
        unit_create(organisation=kommune, name="NAV Benk", kind="nav"),
        unit_create(organisation=hf, name="TSB døgn", kind="tsb_dogn"),
        unit_create(organisation=hf, name="TSB poliklinikk", kind="tsb_poliklinikk"),
        unit_create(organisation=hf, name="LAR", kind="lar"),
    ]
    people = []
    for n in range(12):
        unit = units[n % len(units)]
        user = User.objects.create_user(
            f"benk{n}", f"benk{n}@example.no", "x" * 16, first_name=f"Ansatt{n}", last_name="Benk"
        )
        membership_add(user=user, unit=unit, role=Membership.Role.COORDINATOR)
        people.append((user, unit))
    owner, home = people[0]
    patient = patient_register(
        actor=Actor(owner, home),
        data={
            "national_id": synthetic_id(timezone.localdate().replace(year=1980), serial=7),
            "id_kind": Patient.IdKind.SYNTHETIC,
            "first_name": "Benk",
            "last_name": "Tilgangslogg",
            "birth_date": timezone.localdate().replace(year=1980),
        },
    )
    for unit in units[1:]:
        care_team_add(
            patient=patient,
            unit=unit,
            role=CareTeamMember.Role.TREATING,
            basis=CareTeamMember.Basis.REFERRAL,
            actor=Actor(owner, home),
        )
    rng = random.Random(12)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    events = []
    day = today - timedelta(days=364)
    while len(events) < EVENTS:
        if day > today:
            day = today - timedelta(days=364)
        if day.weekday() < 5:
            for user, unit in rng.sample(people, rng.randint(1, 3)):
                at = datetime.combine(day, clock(rng.randint(8, 14), rng.randint(0, 59)), tz)
                for _ in range(rng.randint(3, 9)):
                    at += timedelta(minutes=rng.randint(1, 20))
                    roll = rng.random()
                    event = AuditEvent(
                        at=at, user=user, unit=unit, patient_id=patient.pk, basis="care_team"
                    )
                    if roll < 0.08:
                        event.action, event.object_type = "update", rng.choice(CHANGED)
                    elif roll < 0.1:
                        event.action, event.detail = "print", f"/pasienter/{patient.pk}/plan.pdf"
                    else:
                        event.action = "view"
                        event.detail = f"/pasienter/{patient.pk}/{rng.choice(PAGES)}"
                    events.append(event)
        day += timedelta(days=1)
    events = events[: EVENTS - 2]
    for n in range(2):
        user, unit = people[5 + n]
        events.append(
            AuditEvent(
                at=timezone.now() - timedelta(days=40 * (n + 1)),
                user=user,
                unit=unit,
                patient_id=patient.pk,
                action="break_glass",
                basis="break_glass",
                detail="Innlagt akutt, trenger legemiddelliste.",
            )
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return patient, owner


def main():
    call_command("migrate", verbosity=0)
    patient, user = seed()
    count = AuditEvent.objects.filter(patient_id=patient.pk).count()
    client = Client()
    client.force_login(user)
    url = reverse("pathways:access_log_pdf", args=[patient.pk])
    response = client.get(url, secure=True)  # warm: WeasyPrint and fonts loaded
    assert response.status_code == 200, response.status_code
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url, secure=True)
        timings.append(time.perf_counter() - start)
    pages = len(PdfReader(io.BytesIO(response.content)).pages)
    print(f"access-log PDF, {count} events in the record, default period (one year):")
    print("  runs: " + ", ".join(f"{t:.2f} s" for t in timings))
    print(
        f"  median {statistics.median(timings):.2f} s, {len(response.content) // 1024} KB, "
        f"{pages} pages"
    )


if __name__ == "__main__":
    main()
