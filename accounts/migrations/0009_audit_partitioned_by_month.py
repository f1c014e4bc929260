"""The audit log becomes a table partitioned by month (PostgreSQL; see accounts.auditpartitions).

The rows are copied into the new table, months from the oldest row's to three months ahead,
with the same column, index and foreign key names as before. The primary key becomes
(id, at), as PostgreSQL asks of a partitioned table; id stays unique through its sequence.
Django's model is unchanged. Backwards makes one plain table again.
"""

from django.db import migrations

TABLE = "accounts_auditevent"
OLD = f"{TABLE}_unpartitioned"
SEQUENCE = f"{TABLE}_id_seq"
TRIGGER = f"""
CREATE TRIGGER {TABLE}_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse_change();
"""

# Runs as the table's owner; the runtime role may call it (granted with the table rights).
MAKE_PARTITIONS = f"""
CREATE OR REPLACE FUNCTION {TABLE}_make_partitions(months_ahead integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT
SET timezone = 'UTC'
AS $$
DECLARE
    first_month date := date_trunc('month', now())::date;
    month date;
    name text;
    made integer := 0;
BEGIN
    FOR i IN 0..greatest(months_ahead, 0) LOOP
        month := (first_month + make_interval(months => i))::date;
        name := '{TABLE}_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF {TABLE} FOR VALUES FROM (%L) TO (%L)',
                name, month::timestamptz, (month + interval '1 month')::timestamptz
            );
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END;
$$;
"""


def _definitions(cursor):
    """The table's indexes (but the primary key) and foreign keys, as statements."""
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
        [TABLE, f"{TABLE}_pkey"],
    )
    indexes = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    foreign = [f"ALTER TABLE {TABLE} ADD CONSTRAINT {n} {d}" for n, d in cursor.fetchall()]
    return indexes, foreign


def _rebuild(cursor, *, partitioned: bool):
    indexes, foreign = _definitions(cursor)
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cursor.execute(f"SELECT coalesce(max(id), 0), min(at) FROM {TABLE}")
    last_id, oldest = cursor.fetchone()
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    cursor.execute(
        f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        + (" PARTITION BY RANGE (at)" if partitioned else "")
    )
    if partitioned:
        cursor.execute(MAKE_PARTITIONS)
        cursor.execute(f"REVOKE ALL ON FUNCTION {TABLE}_make_partitions(integer) FROM PUBLIC")
        cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        # From the oldest row's month: the months already logged get tables of their own.
        cursor.execute(
            "SELECT (extract(year FROM age(date_trunc('month', now()), "
            "date_trunc('month', coalesce(%s, now())))) * 12 + extract(month FROM "
            "age(date_trunc('month', now()), date_trunc('month', coalesce(%s, now())))))::int",
            [oldest, oldest],
        )
        back = cursor.fetchone()[0]
        cursor.execute(
            f"""
            DO $$
            DECLARE month date;
            BEGIN
                FOR i IN 1..{back} LOOP
                    month := (date_trunc('month', now() AT TIME ZONE 'UTC')
                              - make_interval(months => i))::date;
                    EXECUTE format(
                        'CREATE TABLE %I PARTITION OF {TABLE} FOR VALUES FROM (%L) TO (%L)',
                        '{TABLE}_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM'),
                        (month::timestamp AT TIME ZONE 'UTC'),
                        ((month + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
                END LOOP;
            END $$;
            """
        )
        cursor.execute(f"SELECT {TABLE}_make_partitions(3)")
    else:
        cursor.execute(f"DROP FUNCTION IF EXISTS {TABLE}_make_partitions(integer)")
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
    cursor.execute(f"DROP TABLE {OLD} CASCADE")
    cursor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")
    cursor.execute(f"CREATE SEQUENCE {SEQUENCE} AS bigint OWNED BY {TABLE}.id")
    cursor.execute(f"SELECT setval('{SEQUENCE}', %s, %s)", [max(last_id, 1), last_id > 0])
    cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}')")
    key = "(id, at)" if partitioned else "(id)"
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY {key}")
    for statement in indexes + foreign:
        cursor.execute(statement)
    cursor.execute(TRIGGER)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=True)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_organisation_location")]

    operations = [migrations.RunPython(forwards, backwards)]
