"""Production settings, /healthz and the append-only audit table."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from accounts import audit
from accounts.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def run_manage(*args, **env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="samhandling.example.no",
        DATABASE_URL="postgres://samhandling:secret@db.example.no:5432/samhandling",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python(
        "import django; django.setup()",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        ALLOWED_HOSTS="samhandling.example.no",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_setting_is_an_error():
    result = run_python(
        "import django; django.setup()", DJANGO_SETTINGS_MODULE="config.settings", DEBUG="kanskje"
    )
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_the_idle_timeout_is_configurable():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_COOKIE_AGE)",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        SESSION_IDLE_MINUTES="15",
    )
    assert result.stdout.strip() == "900", result.stderr


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_answers(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["version"] == settings.VERSION
    assert body["redis"] in {"ok", "not configured", "down"}


def test_healthz_answers_503_when_the_database_is_down():
    # A real unreachable server (nothing listens on port 9), not a mock.
    code = (
        "import django, json; django.setup();"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; r = Client().get('/healthz');"
        "print(r.status_code); print(r.content.decode())"
    )
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:9/nowhere",
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-2:]
    assert status == "503"
    assert json.loads(body)["database"] == "down"


@pytest.mark.django_db
def test_the_audit_log_refuses_changes_through_the_orm(coordinator):
    event = audit.record(user=coordinator, unit=None, action=audit.Action.VIEW, patient=1)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="x")


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET detail = 'endret' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_on_the_audit_table(coordinator, sql):
    event = audit.record(user=coordinator, unit=None, action=audit.Action.VIEW, patient=1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).detail == ""
