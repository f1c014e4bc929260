"""The audit log as a PostgreSQL table partitioned by month (declarative range partitioning
on ``at``, months in UTC).

Each month is a table of its own, ``accounts_auditevent_yYYYYmMM``; a default partition takes
a row no month covers (a back-dated import), so an insert never fails for want of a month.
The append-only trigger is defined on the partitioned table and PostgreSQL keeps a copy on
every partition, those made later included. Reads that give a time range (the patient's log
for a period, the look-up limits, the refused-access alert) scan only the months they need.

Months are made ahead by ``make_ahead`` (the scheduled sweep runs it): through a function
owned by the table's owner (SECURITY DEFINER), since the runtime role may only insert into
and read the log. Old months are detached by the owner (``manage.py audit_partitions
--detach-before``), archived (pg_dump of the detached table) and then dropped by hand.
"""

import datetime
import re

from django.db import connection

TABLE = "accounts_auditevent"
MONTH_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3
MAKE_FUNCTION = f"{TABLE}_make_partitions"


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_y{month:%Y}m{month:%m}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s)", [TABLE]
        )
        return cursor.fetchone() is not None


def make_ahead(months: int = MONTHS_AHEAD) -> int:
    """Make this month's and the next ``months`` months' partitions; how many were new."""
    if not is_partitioned():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {MAKE_FUNCTION}(%s)", [months])
        return cursor.fetchone()[0]


def partitions() -> list[tuple[str, int]]:
    """(name, estimated rows) of each partition, oldest month first, the default last."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(%s) "
            "ORDER BY c.relname",
            [TABLE],
        )
        rows = cursor.fetchall()
    months = [row for row in rows if MONTH_NAME.match(row[0])]
    return months + [row for row in rows if not MONTH_NAME.match(row[0])]


def month_of(name: str) -> datetime.date | None:
    found = MONTH_NAME.match(name)
    return datetime.date(int(found[1]), int(found[2]), 1) if found else None


def detach_before(month: datetime.date) -> list[str]:
    """Detach the months before ``month`` (needs the table's owner); the names detached.

    A detached month is an ordinary table: dump it to the archive, then drop it."""
    detached = []
    with connection.cursor() as cursor:
        for name, _rows in partitions():
            start = month_of(name)
            if start is not None and start < month:
                cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
                detached.append(name)
    return detached
