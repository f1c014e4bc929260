"""DATABASE_REPLICA_URL adds the replica alias, the router and the pin middleware; without it
the settings are as they were (one database, no router). The settings are read in a fresh
interpreter, as a server would."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT = """
import json
from django.conf import settings
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "replica": settings.DATABASES.get("replica", {}),
    "routers": getattr(settings, "DATABASE_ROUTERS", []),
    "middleware": settings.MIDDLEWARE,
}, default=str))
"""


def settings_with(**env) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    environ.update(SECRET_KEY="settings-test-key", DJANGO_SETTINGS_MODULE="config.settings")
    environ.update(env)
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PRINT}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_without_a_replica_everything_reads_the_one_database():
    found = settings_with(DATABASE_URL="postgres://app@db.example:5432/samhandling")
    assert found["aliases"] == ["default"]
    assert found["routers"] == []
    assert "accounts.replica.ReplicaPinMiddleware" not in found["middleware"]


def test_a_replica_adds_the_alias_the_router_and_the_pin_before_the_session():
    found = settings_with(
        DATABASE_URL="postgres://app@db.example:5432/samhandling",
        DATABASE_REPLICA_URL="postgres://app@replica.example:5433/samhandling",
    )
    assert found["aliases"] == ["default", "replica"]
    replica = found["replica"]
    assert (replica["HOST"], replica["PORT"]) == ("replica.example", 5433)
    assert replica["TEST"]["MIRROR"] == "default"
    assert replica["OPTIONS"]["connect_timeout"] == 3
    assert found["routers"] == ["accounts.replica.PrimaryReplicaRouter"]
    middleware = found["middleware"]
    assert middleware.index("accounts.replica.ReplicaPinMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )


def test_a_replica_without_a_primary_url_is_ignored():
    found = settings_with(
        DATABASE_URL="", DATABASE_REPLICA_URL="postgres://app@replica.example:5433/samhandling"
    )
    assert found["aliases"] == ["default"]
