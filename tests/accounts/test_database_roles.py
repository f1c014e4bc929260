"""The runtime database role cannot change the audit log: only SELECT and INSERT there.

A role is created for the test, given the runtime rights (as ``migrate`` does when
``DATABASE_MIGRATE_URL`` names the owner), and then tries, over its own connection, every
way to change or remove audit events.
"""

import os

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles: PostgreSQL"),
]

ROLE = f"samhandling_runtime_test_{os.getpid()}"
PASSWORD = "runtime-test-password"
AUDIT = "accounts_auditevent"
TRIGGER = "accounts_auditevent_append_only"


@pytest.fixture
def runtime_role():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{ROLE}"')
        cursor.execute(f"CREATE ROLE \"{ROLE}\" LOGIN PASSWORD '{PASSWORD}'")
    yield ROLE
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{ROLE}"')
        cursor.execute(f'DROP ROLE "{ROLE}"')


def connect_as(role):
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        dbname=s["NAME"],
        user=role,
        password=PASSWORD,
        autocommit=True,
    )


def refused(conn, sql) -> bool:
    try:
        conn.execute(sql)
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


INSERT = (
    "INSERT INTO accounts_auditevent "
    "(at, action, object_type, object_id, basis, detail, request_id) "
    "VALUES (now(), 'view', '', '', 'care_team', 'runtime role', '') RETURNING id"
)


def test_the_runtime_role_can_only_add_to_and_read_the_audit_log(runtime_role):
    call_command("grant_runtime_role", runtime_role, verbosity=0)
    with connect_as(runtime_role) as conn:
        (new_id,) = conn.execute(INSERT).fetchone()
        row = conn.execute("SELECT detail FROM accounts_auditevent WHERE id = %s", [new_id])
        assert row.fetchone() == ("runtime role",)
        for sql in (
            "UPDATE accounts_auditevent SET detail = 'changed'",
            "DELETE FROM accounts_auditevent",
            f"TRUNCATE {AUDIT}",
            f"ALTER TABLE {AUDIT} DISABLE TRIGGER {TRIGGER}",
            f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL",
            f"DROP TRIGGER {TRIGGER} ON {AUDIT}",
            f"ALTER TABLE {AUDIT} ADD COLUMN note text",
            f'ALTER TABLE {AUDIT} OWNER TO "{runtime_role}"',
            f"DROP TABLE {AUDIT}",
            "SET session_replication_role = replica",
        ):
            assert refused(conn, sql), sql
        # The rest of the app works as before.
        conn.execute("UPDATE django_session SET expire_date = expire_date WHERE false")
        conn.execute("DELETE FROM django_session WHERE false")
        assert refused(conn, "TRUNCATE django_session")
    with connection.cursor() as cursor:
        cursor.execute("SELECT detail FROM accounts_auditevent WHERE id = %s", [new_id])
        assert cursor.fetchone() == ("runtime role",)


def test_migrate_runs_as_the_owner_and_grants_the_runtime_role(runtime_role, settings):
    s = connection.settings_dict
    where = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    owner_user, owner_password = s["USER"], s["PASSWORD"]
    settings.DATABASE_URL = f"postgres://{runtime_role}:{PASSWORD}@{where}"
    settings.DATABASE_MIGRATE_URL = f"postgres://{owner_user}:{owner_password}@{where}"
    connection.close()
    s["USER"], s["PASSWORD"] = runtime_role, PASSWORD  # the app's own connection
    try:
        call_command("migrate", verbosity=0)
        assert connection.settings_dict["USER"] == runtime_role
        with connect_as(runtime_role) as conn:
            conn.execute(INSERT)
            assert refused(conn, "DELETE FROM accounts_auditevent")
    finally:
        connection.close()
        s["USER"], s["PASSWORD"] = owner_user, owner_password


def test_the_owner_may_not_be_the_runtime_role(settings):
    from django.core.management.base import CommandError

    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [AUDIT])
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match="owns the tables"):
        call_command("grant_runtime_role", owner, verbosity=0)
