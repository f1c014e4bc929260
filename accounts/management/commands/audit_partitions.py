"""The audit log's monthly partitions: list them, make months ahead, detach old months.

Detaching needs the table's owner: the command connects as DATABASE_MIGRATE_URL when that
names another role than DATABASE_URL.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from accounts import auditpartitions, dbroles


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 - a month
    except ValueError:
        raise CommandError(f"Give the month as YYYY-MM, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "List the audit log's monthly partitions (estimated rows), make the next months "
        "(--ahead N) or detach the months before YYYY-MM (--detach-before) for the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=None, help="months to make ahead")
        parser.add_argument("--detach-before", type=_month, default=None, metavar="YYYY-MM")

    def handle(self, *args, ahead=None, detach_before=None, **options):
        if not auditpartitions.is_partitioned():
            raise CommandError("The audit log is not partitioned (PostgreSQL, migration 0009).")
        if ahead is not None:
            made = auditpartitions.make_ahead(ahead)
            self.stdout.write(f"Made {made} new monthly partition(s).")
        if detach_before is not None:
            roles = dbroles.separate_roles()
            if roles is not None:
                dbroles.use_owner(connections["default"], roles[0])
            for name in auditpartitions.detach_before(detach_before):
                self.stdout.write(
                    f"Detached {name}: archive it (pg_dump -t {name}), then DROP TABLE {name}."
                )
        for name, rows in auditpartitions.partitions():
            self.stdout.write(f"{name}\t~{rows}")
