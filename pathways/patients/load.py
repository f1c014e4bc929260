"""Load data for benchmarks (``manage.py seed_load``): many patients, fast.

``seed`` builds the demo organisations and people (``base.seed``), then bulk-inserts patients
with consent, care teams and their guardian permissions, and about fifty audit events per
patient (COPY on PostgreSQL). Each feature adds its own objects through a function in
LOAD_EXTENSIONS, called with the ``Load`` object: referrals in all states, plans with
measures, meetings with action items, discharge plans, notifications. Those functions must
insert in bulk (``bulk_create`` in chunks); names that do not import yet are skipped.
"""

import datetime
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from enum import Enum

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import AuditEvent, Membership
from pathways.models import (
    ActionItem,
    CareTeamMember,
    Consent,
    IndividualPlan,
    Meeting,
    Patient,
    PatientGroupObjectPermission,
)
from pathways.notifications.reminders import RULES, sweep
from pathways.patients import demo as base
from pathways.patients.demo_ids import synthetic_id

LOAD_EXTENSIONS = [
    "referrals.load.seed",
    "pathways.plan.load.seed",
    "pathways.meetings.load.seed",
    "pathways.notifications.load.seed",
]

# Timed by bench/run.py after the load phases: functions returning a dict of figures.
# Load extensions should leave about 100,000 open items for the sweep to go through.
BENCH_TIMINGS = [
    "pathways.patients.load.time_reminder_sweep",
    "pathways.plan.load.time_plan_pdf",
]

# Counted for time_reminder_sweep: functions returning {name: number of objects that can
# still fall due}. Apps pathways must not import (referrals) are named here as strings.
OPEN_ITEM_COUNTS = [
    "pathways.patients.load.open_pathway_items",
    "referrals.load.open_items",
]

CHUNK = 5000
# From this many rows in one insert, the table's indexes and foreign keys are made after the
# rows are in (indexes_built_after) rather than kept up to date row by row.
BUILD_AFTER_ROWS = 50_000


@dataclass
class Load:
    """What the load seeders share. ``patient_ids`` are the bulk patients (not the demo's)."""

    demo: base.Demo
    rng: random.Random
    patient_ids: list[int] = field(default_factory=list)
    # unit key (as in base.ORGANISATIONS) -> ids of the bulk patients on that unit's care team
    by_unit: dict[str, list[int]] = field(default_factory=dict)
    # unit key -> ids of users with an active membership there
    unit_users: dict[str, list[int]] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def bulk_patient_range(self) -> tuple[int, int]:
        """The bulk patients' first and last id, for a range filter: they are made in one run
        after the demo's, and a list of 200,000 ids is more parameters than a query may have
        with server-side binding (65,535). Callers keep only ids in ``patient_ids``."""
        return min(self.patient_ids), max(self.patient_ids)

    @property
    def today(self) -> datetime.date:
        return self.demo.today


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(model, objects: Iterable) -> int:
    """Insert ``objects`` and set their primary keys, as ``bulk_create`` does (COPY on
    PostgreSQL, where building INSERT statements was most of the seed's time)."""
    if connection.vendor == "postgresql":
        return copy_objects(model, list(objects))
    count = 0
    for batch in chunks(objects):
        model.objects.bulk_create(batch)
        count += len(batch)
    return count


# Fields whose attribute value psycopg can write as it is: no conversion on the way in.
_PLAIN_FIELDS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
    "UUIDField",
}


def _value_getter(field) -> Callable:
    plain = field.get_internal_type() in _PLAIN_FIELDS
    if plain and not (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        attname = field.attname

        def plain_value(obj):
            value = getattr(obj, attname)
            # Choices members are str/int subclasses; write their value, never their name.
            return value.value if isinstance(value, Enum) else value

        return plain_value
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


def copy_objects(model, objects: list) -> int:
    """COPY model instances into their table, giving each its primary key from the table's
    sequence first (one query for all of them), so later rows can point at them."""
    if not objects:
        return 0
    meta = model._meta
    table, pk = meta.db_table, meta.pk
    with connection.cursor() as cursor:
        if objects[0].pk is None:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(objects)],
            )
            for obj, (pk_value,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = pk_value
        for obj in objects:
            obj._state.adding = False
            obj._state.db = "default"
        fields = meta.concrete_fields
        getters = [_value_getter(f) for f in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        big = len(objects) >= BUILD_AFTER_ROWS
        with (
            indexes_built_after(model) if big else nullcontext(),
            cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"  # noqa: S608
            ) as copy,
        ):
            for obj in objects:
                copy.write_row([get(obj) for get in getters])
    return len(objects)


def _patients(load: Load, n: int) -> None:
    demo, rng = load.demo, load.rng
    start = datetime.date(1950, 1, 1)
    span = (datetime.date(2004, 12, 31) - start).days
    plan = base.PATIENT_PLAN
    creators = {key: demo.first_user(key).pk for key in demo.units}
    now = timezone.now()
    rows, teams = [], []
    for i in range(n):
        home, unit_keys = plan[i % len(plan)]
        birth = start + datetime.timedelta(days=(i * 7919) % span)
        # Serial numbers from 60 keep clear of the demo patients' numbers.
        serial = 60 + (i * 7919) // span % 300
        no_id = i % 33 == 0
        first = base.FIRST_NAMES[rng.randrange(len(base.FIRST_NAMES))]
        last = base.LAST_NAMES[rng.randrange(len(base.LAST_NAMES))]
        rows.append(
            Patient(
                national_id=None if no_id else synthetic_id(birth, serial=serial),
                id_kind=Patient.IdKind.NONE if no_id else Patient.IdKind.SYNTHETIC,
                first_name=first,
                last_name=last,
                birth_date=birth,
                home_kommune=demo.orgs[home] if home else None,
                phone=f"9{rng.randrange(10**7):07d}",
                fastlege_name=rng.choice(["Dr. Aas", "Dr. Sivertsen", "Dr. Lund", ""]),
                registered_by_unit=demo.units[unit_keys[0]],
                created_by_id=creators[unit_keys[0]],
                created_at=now - datetime.timedelta(days=rng.randrange(1, 900)),
            )
        )
        teams.append(unit_keys)
    seen = set(Patient.objects.exclude(national_id=None).values_list("national_id", flat=True))
    keep = []
    for row, unit_keys in zip(rows, teams, strict=True):
        if row.national_id and row.national_id in seen:
            continue
        seen.add(row.national_id)
        keep.append((row, unit_keys))
    _bulk(Patient, (row for row, _ in keep))
    for row, unit_keys in keep:
        load.patient_ids.append(row.pk)
        for key in unit_keys:
            load.by_unit.setdefault(key, []).append(row.pk)
    load.log(f"  patients: {len(keep)}")
    _care_teams(load, keep)


def _care_teams(load: Load, patients: list) -> None:
    demo = load.demo
    view = Permission.objects.get(codename="view_patient", content_type__app_label="pathways")
    change = Permission.objects.get(codename="change_patient", content_type__app_label="pathways")
    consents = []
    for patient, unit_keys in patients:
        for key in unit_keys[1:]:
            consents.append(
                Consent(
                    patient=patient,
                    unit=demo.units[key],
                    scope=Consent.Scope.SHARING,
                    given_on=patient.created_at.date(),
                    recorded_by_id=patient.created_by_id,
                    recorded_at=patient.created_at,
                )
            )
    _bulk(Consent, consents)
    consent_of = {(c.patient_id, c.unit_id): c.pk for c in consents}
    members, grants = [], []
    for patient, unit_keys in patients:
        for index, key in enumerate(unit_keys):
            unit = demo.units[key]
            members.append(
                CareTeamMember(
                    patient=patient,
                    unit=unit,
                    role=CareTeamMember.Role.REGISTERING if index == 0 else "treating",
                    basis=CareTeamMember.Basis.REGISTERED if index == 0 else "consent",
                    consent_id=consent_of.get((patient.pk, unit.pk)),
                    started_at=patient.created_at,
                    added_by_id=patient.created_by_id,
                )
            )
            for permission in (view, change):
                grants.append(
                    PatientGroupObjectPermission(
                        group_id=unit.group_id, permission=permission, content_object=patient
                    )
                )
    load.log(f"  consents: {len(consents)}, care team members: {_bulk(CareTeamMember, members)}")
    _bulk(PatientGroupObjectPermission, grants)


AUDIT_COLUMNS = (
    "at",
    "user_id",
    "unit_id",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "basis",
    "detail",
    "ip_address",
    "request_id",
)


def _audit_rows(load: Load, total: int) -> Iterator[tuple]:
    rng = load.rng
    now = timezone.now()
    units = {key: unit.pk for key, unit in load.demo.units.items()}
    pairs = [(key, pid) for key, ids in load.by_unit.items() for pid in ids]
    actions = ["view"] * 16 + ["update"] * 2 + ["create", "print"]
    for _ in range(total):
        key, patient_id = pairs[rng.randrange(len(pairs))]
        users = load.unit_users.get(key) or [None]
        action = actions[rng.randrange(len(actions))]
        yield (
            now - datetime.timedelta(seconds=rng.randrange(2 * 365 * 86400)),
            users[rng.randrange(len(users))],
            units[key],
            patient_id,
            action,
            "pathways.patient",
            str(patient_id),
            "care_team",
            f"/pasienter/{patient_id}/" if action == "view" else "",
            f"10.0.0.{rng.randrange(1, 250)}",
            str(uuid.UUID(int=rng.getrandbits(128))),
        )


@contextmanager
def indexes_built_after(model):
    """Drop the table's secondary indexes and foreign keys, and make them again on the way
    out: one sort per index and one join per key instead of millions of row-by-row updates
    and deferred checks. Primary key and unique indexes stay."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        # ALTER TABLE refuses a table with foreign-key checks still pending in this
        # transaction (Django's keys are deferred): run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique",
            [model._meta.db_table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [model._meta.db_table],
        )
        keys = cursor.fetchall()
        for name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            # A partitioned table's index is defined "ON ONLY" the parent; made that way it
            # would stay invalid, so it is made on the parent and every partition at once.
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        for name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


# The audit events made inside PostgreSQL: the same mix as _audit_rows (16 views, 2 updates, a
# create and a print in 20; a user of the unit; any moment of the last two years), drawn by
# random() instead of row by row in Python, which took most of the seed at 10 million rows.
AUDIT_SQL = """
INSERT INTO {table} ({columns})
SELECT now() - r.age * interval '730 days', uu.user_id, p.unit_id, p.patient_id,
       CASE WHEN r.act < 16 THEN 'view' WHEN r.act < 18 THEN 'update'
            WHEN r.act = 18 THEN 'create' ELSE 'print' END,
       'pathways.patient', p.patient_id::text, 'care_team',
       CASE WHEN r.act < 16 THEN '/pasienter/' || p.patient_id || '/' ELSE '' END,
       ('10.0.0.' || (1 + floor(r.ip * 249))::int)::inet, gen_random_uuid()::text
FROM (
    SELECT 1 + floor(random() * %(pairs)s)::int AS pick, floor(random() * 20)::int AS act,
           random() AS age, random() AS who, random() AS ip
    FROM generate_series(1, %(total)s)
) r
JOIN load_pairs p ON p.n = r.pick
LEFT JOIN load_unit_size s ON s.unit_id = p.unit_id
LEFT JOIN load_unit_users uu ON uu.unit_id = p.unit_id AND uu.n = floor(r.who * s.size)::int
"""


def _audit(load: Load, total: int) -> None:
    if not total or not load.by_unit:
        return
    started = time.monotonic()
    if connection.vendor != "postgresql":
        rows = _audit_rows(load, total)
        _bulk(AuditEvent, (AuditEvent(**dict(zip(AUDIT_COLUMNS, r, strict=True))) for r in rows))
        load.log(f"  audit events: {total} in {time.monotonic() - started:.1f} s")
        return
    units = {key: unit.pk for key, unit in load.demo.units.items()}
    with indexes_built_after(AuditEvent), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE load_pairs (n int PRIMARY KEY, unit_id bigint, patient_id bigint)"
            " ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE load_unit_users (unit_id bigint, n int, user_id int,"
            " PRIMARY KEY (unit_id, n)) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY load_pairs (n, unit_id, patient_id) FROM STDIN") as copy:
            n = 0
            for key, ids in load.by_unit.items():
                for patient_id in ids:
                    n += 1
                    copy.write_row((n, units[key], patient_id))
        with cursor.cursor.copy("COPY load_unit_users (unit_id, n, user_id) FROM STDIN") as copy:
            for key, users in load.unit_users.items():
                for index, user_id in enumerate(users):
                    copy.write_row((units[key], index, user_id))
        cursor.execute(
            "CREATE TEMP TABLE load_unit_size ON COMMIT DROP AS"
            " SELECT unit_id, count(*) AS size FROM load_unit_users GROUP BY unit_id"
        )
        cursor.execute("ANALYZE load_pairs")
        cursor.execute("ANALYZE load_unit_users")
        cursor.execute("SELECT setseed(%s)", [load.rng.random() * 2 - 1])
        cursor.execute(
            AUDIT_SQL.format(
                table=connection.ops.quote_name(AuditEvent._meta.db_table),
                columns=", ".join(AUDIT_COLUMNS),
            ),
            {"pairs": n, "total": total},
        )
    load.log(f"  audit events: {total} in {time.monotonic() - started:.1f} s")


@contextmanager
def phase(log, name: str):
    """Log how long a step of the seed took, commit included."""
    started = time.monotonic()
    yield
    log(f"  {name}: {time.monotonic() - started:.1f} s")


def seed(patients: int, audit_events: int, *, seed_value: int = 20261123, log=print) -> Load:
    started = time.monotonic()
    with phase(log, "demo"), transaction.atomic():
        demo = base.seed()
    load = Load(demo=demo, rng=random.Random(seed_value), log=log)  # noqa: S311 - test data
    for key, unit in demo.units.items():
        load.unit_users[key] = list(
            Membership.objects.active().filter(unit=unit).values_list("user_id", flat=True)
        )
    _page_versions(on=False)
    with phase(log, "patients and care teams"), transaction.atomic():
        _patients(load, patients)
    with phase(log, "audit log"), transaction.atomic():
        _audit(load, audit_events)
    for path in LOAD_EXTENSIONS:
        extension = optional(path)
        if extension is None:
            log(f"  {path}: not there yet, skipped")
            continue
        with phase(log, path), transaction.atomic():
            extension(load)
    _page_versions(on=True)
    if connection.vendor == "postgresql":
        # Vacuumed as autovacuum keeps a live database: bulk-loaded rows read for the first
        # time would otherwise write hint bits and read the heap for want of a visibility
        # map, and the first benchmark after a seed would measure that, not the pages.
        # VACUUM cannot run in a transaction (a test's); ANALYZE alone can.
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with phase(log, "vacuum and analyze"), connection.cursor() as cursor:
            cursor.execute(statement)
    log(f"Load data ready in {time.monotonic() - started:.0f} s.")
    return load


def _page_versions(*, on: bool) -> None:
    """Off: this connection's bulk statements raise no page versions (pathways 0027), whose
    fan-out to every care-team unit tripled the load's time. On again: the reference version
    is raised once, which every kept page's key holds, so nothing kept before is shown."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if on:
            cursor.execute("RESET samhandling.bulk_load")
            cursor.execute("SELECT pathways_reference_raise()")
        else:
            cursor.execute("SET samhandling.bulk_load = 'on'")


def optional(path: str):
    """The function at ``path``, or None when its module does not exist (yet)."""
    module = path.rsplit(".", 1)[0]
    try:
        return import_string(path)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


def time_reminder_sweep() -> dict:
    """One sweep over everything due, then a second one that must send nothing."""
    if not RULES:
        return {"skipped": "no reminder rules yet"}
    open_items = _open_items()
    started = time.monotonic()
    sent = sweep()
    first = time.monotonic() - started
    started = time.monotonic()
    again = sweep()
    return {
        "rules": len(RULES),
        "open_items": open_items,
        "sent": sent,
        "first_sweep_s": round(first, 2),
        "second_sweep_s": round(time.monotonic() - started, 2),
        "sent_again": again,
    }


def open_pathway_items() -> dict:
    """The pathway objects the sweep's rules look at."""
    return {
        "action_items": ActionItem.objects.open().count(),
        "consents": Consent.objects.in_force().count(),
        "plans": IndividualPlan.objects.exclude(status=IndividualPlan.Status.CLOSED).count(),
        "meetings": Meeting.objects.filter(state=Meeting.State.PLANNED).count(),
    }


def _open_items() -> dict:
    """What the sweep's rules look at: the objects that can still fall due."""
    counts = {}
    for path in OPEN_ITEM_COUNTS:
        func = optional(path)
        if func is not None:
            counts.update(func())
    counts["total"] = sum(counts.values())
    return counts
