"""The audit log partitioned by month: rows land in their month, the append-only trigger holds
on every partition, months are made ahead (also by the runtime role, through the owner's
function), old months detach, and a read for a period scans only its months."""

# ruff: noqa: S608 - the SQL names partitions made by the tests themselves

import datetime
import os

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import audit, auditpartitions
from accounts.models import AuditEvent
from pathways.notifications.reminders import PERIODIC
from pathways.patients import selectors

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitioning: PostgreSQL"
)

UTC = datetime.UTC


def month_start(day: datetime.date, add: int = 0) -> datetime.date:
    months = day.year * 12 + day.month - 1 + add
    return datetime.date(months // 12, months % 12 + 1, 1)


def where(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM accounts_auditevent WHERE id = %s", [event_id]
        )
        return cursor.fetchone()[0]


def event(at, patient_id=None) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at, action=audit.Action.VIEW, basis=audit.Basis.CARE_TEAM, patient_id=patient_id
    )


def add_month(month: datetime.date):
    name = auditpartitions.partition_name(month)
    nxt = month_start(month, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {name} PARTITION OF accounts_auditevent "
            f"FOR VALUES FROM ('{month:%Y-%m-%d} 00:00+00') TO ('{nxt:%Y-%m-%d} 00:00+00')"
        )
    return name


@pytest.mark.django_db
def test_events_land_in_their_month_and_far_off_ones_in_the_default():
    assert auditpartitions.is_partitioned()
    now = timezone.now()
    this = month_start(now.astimezone(UTC).date())
    assert where(event(now).pk) == auditpartitions.partition_name(this)
    later = datetime.datetime.combine(month_start(this, 2), datetime.time(12), UTC)
    assert where(event(later).pk) == auditpartitions.partition_name(month_start(this, 2))
    assert where(event(now - datetime.timedelta(days=3650)).pk) == "accounts_auditevent_default"
    # Ids stay unique and increasing across months.
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == 3


@pytest.mark.django_db
def test_the_append_only_trigger_holds_on_every_partition_also_new_ones():
    now = timezone.now()
    this = month_start(now.astimezone(UTC).date())
    far = month_start(this, 7)
    assert auditpartitions.make_ahead(8) >= 1
    for month in (this, far):
        at = datetime.datetime.combine(month, datetime.time(12), UTC)
        made = event(at)
        name = auditpartitions.partition_name(month)
        for sql in (
            f"UPDATE {name} SET detail = 'changed' WHERE id = %s",
            f"DELETE FROM {name} WHERE id = %s",
            "UPDATE accounts_auditevent SET detail = 'changed' WHERE id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [made.pk])


@pytest.mark.django_db
def test_months_are_made_ahead_once_by_the_scheduled_job():
    assert "audit_partitions_ahead" in PERIODIC
    this = month_start(timezone.now().astimezone(UTC).date())
    PERIODIC["audit_partitions_ahead"](timezone.now())
    names = {name for name, _rows in auditpartitions.partitions()}
    expected = {auditpartitions.partition_name(month_start(this, n)) for n in range(4)}
    assert expected <= names
    assert auditpartitions.make_ahead(3) == 0
    # Listed oldest first, the default last.
    listed = [name for name, _rows in auditpartitions.partitions()]
    assert listed[-1] == "accounts_auditevent_default"
    assert listed[:-1] == sorted(listed[:-1])


@pytest.mark.django_db
def test_old_months_detach_and_leave_the_log(capsys):
    old = add_month(datetime.date(2020, 1, 1))
    older = add_month(datetime.date(2019, 12, 1))
    kept = event(timezone.now())
    gone = event(datetime.datetime(2020, 1, 15, tzinfo=UTC))
    call_command("audit_partitions", "--detach-before", "2020-02")
    out = capsys.readouterr().out
    assert f"Detached {old}" in out and f"Detached {older}" in out
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    with connection.cursor() as cursor:
        # The detached month is an ordinary table, still holding its rows for the archive.
        cursor.execute(f"SELECT id FROM {old}")
        assert cursor.fetchall() == [(gone.pk,)]


@pytest.mark.django_db
def test_the_patients_log_for_a_period_reads_only_that_months_partition(vadso_rus, coordinator):
    from tests.factories import make_patient

    patient = make_patient(vadso_rus, by=coordinator)
    today = timezone.localdate()
    this = month_start(today)
    events = selectors.access_log_events(
        patient, fra=this + datetime.timedelta(days=1), til=this + datetime.timedelta(days=3)
    )
    sql, params = events.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scanned = {name for name, _rows in auditpartitions.partitions() if name in plan}
    assert scanned == {auditpartitions.partition_name(this)}, plan


ROLE = f"samhandling_partitions_test_{os.getpid()}"


@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_makes_months_ahead_but_cannot_change_or_detach_them():
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{ROLE}"')
        cursor.execute(f"CREATE ROLE \"{ROLE}\" LOGIN PASSWORD 'partitions-test'")
    try:
        call_command("grant_runtime_role", ROLE, verbosity=0)
        s = connection.settings_dict
        with psycopg.connect(
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
            dbname=s["NAME"],
            user=ROLE,
            password="partitions-test",
            autocommit=True,
        ) as conn:
            conn.execute("SELECT accounts_auditevent_make_partitions(14)")
            far = month_start(timezone.now().astimezone(UTC).date(), 14)
            name = auditpartitions.partition_name(far)
            (owner,) = conn.execute(
                "SELECT tableowner FROM pg_tables WHERE tablename = %s", [name]
            ).fetchone()
            assert owner != ROLE
            for sql in (
                f"UPDATE {name} SET detail = 'x'",
                f"DELETE FROM {name}",
                f"TRUNCATE {name}",
                f"ALTER TABLE accounts_auditevent DETACH PARTITION {name}",
                f"DROP TABLE {name}",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{ROLE}"')
            cursor.execute(f'DROP ROLE "{ROLE}"')
