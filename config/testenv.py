"""Loaded by pytest before Django settings (``-p config.testenv``).

Chooses the backends: PostgreSQL and Redis when configured or answering on their default
local ports, else SQLite and no broker. With CI=true a missing server is an error.
"""

import os
import socket

BACKENDS: dict[str, str] = {}


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _choose() -> None:
    ci = os.environ.get("CI", "").lower() == "true"
    os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
    os.environ.setdefault("ALLOW_SYNTHETIC_IDS", "true")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ.setdefault("SMS_BACKEND", "pathways.sms.LocmemBackend")
    if not os.environ.get("DATABASE_URL") and _answers("127.0.0.1", 5432):
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/samhandling"
    if not os.environ.get("REDIS_URL") and _answers("127.0.0.1", 6379):
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    _own_redis_db_per_worker()
    BACKENDS["database"] = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    BACKENDS["redis"] = "Redis" if os.environ.get("REDIS_URL") else "none"
    if ci and (BACKENDS["database"] != "PostgreSQL" or BACKENDS["redis"] != "Redis"):
        raise SystemExit(
            f"CI=true needs PostgreSQL and Redis; found database={BACKENDS['database']}, "
            f"redis={BACKENDS['redis']}. Start them or set DATABASE_URL/REDIS_URL."
        )


def _own_redis_db_per_worker() -> None:
    """Under pytest-xdist each worker gets its own Redis database (the next numbers after the
    configured one), so a Celery worker started by one test never takes another's tasks.
    (Each worker's PostgreSQL test database is already its own: pytest-django adds _gwN.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL")
    if not url or not worker.startswith("gw"):
        return
    base, _, db = url.rstrip("/").rpartition("/")
    if not db.isdigit():
        base, db = url.rstrip("/"), "0"
    os.environ["REDIS_URL"] = f"{base}/{(int(db) + int(worker[2:])) % 16}"


_choose()


def pytest_report_header(config):
    return f"Backends: database={BACKENDS['database']}, broker={BACKENDS['redis']}"


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"Backends used: database={BACKENDS['database']}, broker={BACKENDS['redis']}"
    )
