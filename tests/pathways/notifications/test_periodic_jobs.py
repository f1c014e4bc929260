"""The scheduled sweep does the due work of every feature, not only the reminders."""

import datetime
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.acting import Actor
from pathways.episodes import services as dsvc
from pathways.models import CareTeamMember, KommuneMove
from pathways.notifications import reminders, tasks

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
# Functions named *_due that answer a question rather than do work.
PREDICATES = {"digest_is_due"}


def due_functions():
    modules = [importlib.import_module("referrals.services")]
    # Each feature package keeps its state changes in ``services`` (a module or a package).
    for path in sorted((ROOT / "pathways").glob("*/services*")):
        if path.suffix == ".py":
            modules.append(importlib.import_module(f"pathways.{path.parent.name}.services"))
        elif path.is_dir():
            for info in pkgutil.iter_modules([str(path)]):
                modules.append(
                    importlib.import_module(f"pathways.{path.parent.name}.services.{info.name}")
                )
    for module in modules:
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.endswith("_due") and func.__module__ == module.__name__:
                yield name


def test_every_due_function_is_run_by_the_periodic_sweep():
    found = set(due_functions()) - PREDICATES
    assert {"kommune_moves_complete_due", "referral_end_access_due", "consent_expire_due"} <= found
    callers = "".join(
        (ROOT / path).read_text()
        for path in (
            "pathways/notifications/tasks.py",
            "pathways/patients/rules.py",
            "pathways/episodes/rules.py",
            "pathways/meetings/rules.py",
            "pathways/plan/rules.py",
            "referrals/rules.py",
        )
    )
    missing = [name for name in found if f"{name}(" not in callers]
    assert not missing, f"not run periodically: {missing}"


def test_the_jobs_are_registered_by_the_apps():
    assert {"consent_expire", "kommune_moves_complete", "referral_access_end"} <= set(
        reminders.PERIODIC
    )


def test_run_periodic_completes_a_move_whose_handover_date_has_come(
    shared_patient, coordinator, vadso_rus, sarpsborg_rus
):
    today = timezone.localdate()
    move = dsvc.kommune_move_start(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        to_unit=sarpsborg_rus,
        handover_date=today + datetime.timedelta(days=2),
        consent_given_on=today,
    )
    tasks.run_periodic()
    move.refresh_from_db()
    assert move.completed_at is None
    tasks.run_periodic(now=timezone.now() + datetime.timedelta(days=2))
    move.refresh_from_db()
    assert move.completed_at is not None
    assert not (
        CareTeamMember.objects.active().filter(patient=shared_patient, unit=vadso_rus).exists()
    )
    assert KommuneMove.objects.filter(completed_at__isnull=True).count() == 0


def test_run_periodic_runs_every_registered_job_even_when_one_fails(monkeypatch):
    ran = []

    def broken(now):
        raise RuntimeError("down")

    monkeypatch.setitem(reminders.PERIODIC, "a_broken_job", broken)
    monkeypatch.setitem(reminders.PERIODIC, "a_working_job", lambda now: ran.append(now))
    now = timezone.now()
    tasks.run_periodic(now=now)
    assert ran == [now]


def test_the_sweep_task_runs_the_jobs(monkeypatch):
    ran = []
    monkeypatch.setitem(reminders.PERIODIC, "counted", lambda now: ran.append(now))
    tasks.reminder_sweep.apply()
    assert len(ran) == 1
