"""Give the runtime database role its rights (run as the owner; ``migrate`` does it too)."""

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from accounts import dbroles


class Command(BaseCommand):
    help = (
        "Grant the runtime role (the user of DATABASE_URL, or ROLE) read and write on every "
        "table and only SELECT/INSERT on the audit log. Connects as DATABASE_MIGRATE_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", help="the runtime role (default: DATABASE_URL's)")
        parser.add_argument("--database", default="default")

    def handle(self, *args, role=None, database="default", **options):
        connection = connections[database]
        roles = dbroles.separate_roles()
        if roles is not None:
            dbroles.use_owner(connection, roles[0])
        if role is None:
            if roles is None:
                raise CommandError(
                    "Name the runtime role, or set DATABASE_URL (runtime role) and "
                    "DATABASE_MIGRATE_URL (owner) to different users."
                )
            role = dj_database_url.parse(settings.DATABASE_URL)["USER"]
        for statement in dbroles.grant_runtime_role(connection, role):
            if options["verbosity"] > 1:
                self.stdout.write(statement)
        self.stdout.write(f"Granted the runtime rights to {role}.")
