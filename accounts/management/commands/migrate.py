"""``migrate`` as the owning role when ``DATABASE_MIGRATE_URL`` names one, then the runtime
role's grants (see ``accounts.dbroles``). Without it, Django's own ``migrate`` unchanged."""

import dj_database_url
from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections

from accounts import dbroles


class Command(migrate.Command):
    def handle(self, *args, **options):
        roles = dbroles.separate_roles() if options["database"] == "default" else None
        connection = connections[options["database"]]
        if roles is None or connection.vendor != "postgresql":
            return super().handle(*args, **options)
        owner, runtime = roles
        dbroles.use_owner(connection, owner)
        try:
            super().handle(*args, **options)
            role = dj_database_url.parse(settings.DATABASE_URL)["USER"]
            dbroles.grant_runtime_role(connection, role)
            if options["verbosity"]:
                self.stdout.write(f"Granted the runtime rights to {role}.")
        finally:
            connection.close()
            connection.settings_dict["USER"] = runtime.get("USER", "")
            connection.settings_dict["PASSWORD"] = runtime.get("PASSWORD", "")
