"""Two database roles on PostgreSQL: the owner runs migrations, the app runs as a role that
does not own the tables.

The runtime role (``DATABASE_URL``) gets SELECT, INSERT, UPDATE and DELETE on every table,
except the audit log, where it gets SELECT and INSERT only; plus USAGE and SELECT on the
sequences. Not owning the tables, it cannot TRUNCATE, ALTER, drop or disable the audit log's
append-only trigger either: the log holds even if the application is taken over. The owner
(``DATABASE_MIGRATE_URL``) is used only by ``manage.py migrate``, which grants the runtime
role its rights after every run (new tables included); ``manage.py grant_runtime_role``
does the same on its own.
"""

import dj_database_url
from django.conf import settings
from django.core.management.base import CommandError

from accounts.auditpartitions import MAKE_FUNCTION
from accounts.models import AuditEvent

TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_RIGHTS = "SELECT, INSERT"


def audit_table() -> str:
    return AuditEvent._meta.db_table


def separate_roles() -> tuple[dict, dict] | None:
    """(owner, runtime) connection settings when the two URLs name different roles."""
    runtime_url = settings.DATABASE_URL
    owner_url = settings.DATABASE_MIGRATE_URL
    if not runtime_url or not owner_url or owner_url == runtime_url:
        return None
    owner, runtime = dj_database_url.parse(owner_url), dj_database_url.parse(runtime_url)
    where = ("HOST", "PORT", "NAME")
    if [owner.get(k) for k in where] != [runtime.get(k) for k in where]:
        raise CommandError(
            "DATABASE_MIGRATE_URL must name the same database (host, port, name) as "
            "DATABASE_URL, with the owning role."
        )
    if owner.get("USER") == runtime.get("USER"):
        return None
    return owner, runtime


def use_owner(connection, owner: dict) -> None:
    """Reconnect ``connection`` as the owning role (same database)."""
    connection.close()
    connection.settings_dict["USER"] = owner.get("USER", "")
    connection.settings_dict["PASSWORD"] = owner.get("PASSWORD", "")


def grant_runtime_role(connection, role: str) -> list[str]:
    """Grant ``role`` the runtime rights on every table of the current schema; the
    statements run, for the record."""
    if connection.vendor != "postgresql":
        raise CommandError("Database roles need PostgreSQL.")
    qn = connection.ops.quote_name
    audit = audit_table()
    statements = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        cursor.execute(
            "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            [schema, audit],
        )
        row = cursor.fetchone()
        if row is None:
            raise CommandError("Run the migrations first: there is no audit table.")
        if row[0] == role:
            raise CommandError(
                f"The role {role!r} owns the tables; the runtime role must be another role."
            )
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        )
        tables = [name for (name,) in cursor.fetchall()]
        statements += [
            f"GRANT CONNECT ON DATABASE {qn(database)} TO {qn(role)}",
            f"GRANT USAGE ON SCHEMA {qn(schema)} TO {qn(role)}",
        ]
        for table in tables:
            statements.append(f"REVOKE ALL ON TABLE {qn(schema)}.{qn(table)} FROM {qn(role)}")
            # The audit log's monthly partitions too (accounts.auditpartitions).
            of_audit = table == audit or table.startswith(f"{audit}_")
            rights = AUDIT_RIGHTS if of_audit else TABLE_RIGHTS
            statements.append(f"GRANT {rights} ON TABLE {qn(schema)}.{qn(table)} TO {qn(role)}")
        statements.append(
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {qn(schema)} TO {qn(role)}"
        )
        # Making next months' partitions runs as the owner, through this function only.
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [f"{MAKE_FUNCTION}(integer)"])
        if cursor.fetchone()[0]:
            statements.append(
                f"GRANT EXECUTE ON FUNCTION {qn(schema)}.{MAKE_FUNCTION}(integer) TO {qn(role)}"
            )
        for statement in statements:
            cursor.execute(statement)
    return statements
