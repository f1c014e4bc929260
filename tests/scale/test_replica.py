"""A real streaming read replica: made with pg_basebackup from the session's primary cluster,
started on a spare port, and given to gunicorn as DATABASE_REPLICA_URL.

Replay on the replica is paused while referrals are added on the primary, so the two hold
different numbers: what a page shows tells which one it read.
"""

import contextlib
import csv
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.faults.conftest import Cluster, free_port
from tests.scale.conftest import LEADER, Processes, log_in, shell, submit, wait_until

pytestmark = pytest.mark.faults

PIN_SECONDS = 3
NEW_REFERRALS = 3
STATISTICS_CSV = "/henvisninger/statistikk.csv"


class Replica(Cluster):
    def clone(self, primary: Cluster):
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(self.data / "db"), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip

    def sql(self, query):
        with psycopg.connect(self.url("samhandling_scale"), autocommit=True) as conn:
            return conn.execute(query).fetchone()


@pytest.fixture(scope="module")
def stack(primary):
    folder = Path(tempfile.mkdtemp(prefix="samhandling-replica-", dir="/tmp"))
    replica = Replica(primary.cluster.bin, folder, free_port(5490))
    processes = Processes(folder)
    try:
        replica.clone(primary.cluster)
        replica.start()
        assert replica.sql("SELECT pg_is_in_recovery()") == (True,)
        env = primary.env(
            DATABASE_REPLICA_URL=replica.url("samhandling_scale"),
            REPLICA_PIN_SECONDS=str(PIN_SECONDS),
        )
        base_url, _proc, _log = processes.gunicorn(env, "gunicorn-replica")
        yield {"primary": primary, "replica": replica, "env": env, "base_url": base_url}
    finally:
        processes.stop_all()
        replica.stop()
        shutil.rmtree(folder, ignore_errors=True)


def received(browser) -> int:
    """The total "mottatt" of the leader's referral statistics (CSV)."""
    response = browser.get(STATISTICS_CSV)
    assert response.status_code == 200, response.status_code
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    total = [row for row in rows if row[0] == "totalt"]
    return int(total[0][1])


def unpinned(browser):
    """Log-in wrote (the last log-in time): forget that browser's pin before the check."""
    browser.jar.pop("samhandling_primary", None)
    return browser


def primary_count(stack) -> int:
    with psycopg.connect(stack["primary"].url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM referrals_referral").fetchone()[0]


def caught_up(stack) -> bool:
    with psycopg.connect(stack["primary"].url, autocommit=True) as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    (done,) = stack["replica"].sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")
    return done


ROUTING = f"""
import uuid
from django.db import connections
from accounts.replica import replica_reads
from referrals.models import Referral
from accounts.models import Organisation

def in_recovery(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]

print("RECOVERY", in_recovery("default"), in_recovery("replica"))
print("OUTSIDE", Referral.objects.all().db)
template = Referral.objects.order_by("pk").last()
for _n in range({NEW_REFERRALS}):
    template.pk = None
    template.chain = uuid.uuid4()
    template._state.adding = True
    template.save()
with replica_reads():
    print("READ", Referral.objects.all().db, Referral.objects.count())
    Organisation.objects.create(name="Skrevet i samme omgang", org_number="987000001")
    print("AFTER-WRITE", Referral.objects.all().db, Referral.objects.count())
print("PRIMARY", Referral.objects.count())
"""


def _line(out: str, key: str) -> list[str]:
    return next(line.split()[1:] for line in out.splitlines() if line.startswith(key + " "))


def test_statistics_read_the_replica_and_a_browser_that_wrote_reads_the_primary(stack):
    replica = stack["replica"]
    browser = unpinned(log_in(stack["base_url"], LEADER))
    other = unpinned(log_in(stack["base_url"], LEADER))
    wait_until(lambda: caught_up(stack), timeout=60, what="replica catching up")
    before = received(browser)
    assert before == primary_count(stack) >= 2

    replica.sql("SELECT pg_wal_replay_pause()")
    try:
        # The same settings as gunicorn: a write, then reads through the router.
        out = shell(stack["env"], ROUTING)
        assert _line(out, "RECOVERY") == ["False", "True"]
        assert _line(out, "OUTSIDE") == ["default"]
        # Paused replay: the replica does not have the new referrals yet.
        assert _line(out, "READ") == ["replica", str(before)]
        # A write in the same scope: from then on the primary, which has them.
        assert _line(out, "AFTER-WRITE") == ["default", str(before + NEW_REFERRALS)]
        assert _line(out, "PRIMARY") == [str(before + NEW_REFERRALS)]

        # Over HTTP: the statistics export reads the replica (and its audit event, a write,
        # goes to the primary: the replica would refuse it).
        assert received(browser) == before
        assert received(other) == before

        # A browser that saves something reads the primary for the next few seconds.
        saved = submit(
            browser, "/varsler/innstillinger/", {"email_enabled": "on", "digest_enabled": "on"}
        )
        assert saved.status_code == 302, saved.text[:300]
        assert "samhandling_primary" in browser.jar
        pinned_at = time.monotonic()
        assert received(browser) == before + NEW_REFERRALS
        # ... and only that browser.
        assert received(other) == before
        # The pin runs out: back to the replica.
        time.sleep(max(0.0, PIN_SECONDS + 1.5 - (time.monotonic() - pinned_at)))
        assert received(browser) == before
    finally:
        replica.sql("SELECT pg_wal_replay_resume()")

    wait_until(lambda: caught_up(stack), timeout=60, what="replica catching up")
    assert received(other) == before + NEW_REFERRALS


def test_pages_go_on_from_the_primary_when_the_replica_is_down(stack):
    browser = unpinned(log_in(stack["base_url"], LEADER))
    expected = primary_count(stack)
    stack["replica"].stop()
    try:
        started = time.monotonic()
        assert received(browser) == expected
        assert browser.get("/henvisninger/statistikk/").status_code == 200
        assert time.monotonic() - started < 15
    finally:
        with contextlib.suppress(Exception):
            stack["replica"].start()
