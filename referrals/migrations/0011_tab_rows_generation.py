from django.db import migrations, models

# The rendered rows of a unit's referral lists are kept (config/fragments.py) under the unit's
# rows_generation. These triggers raise it whenever anything a row shows may have changed:
# any change of a referral to or from the unit, a view grant of the unit's group (as for the
# counts), a patient's name on a referral of the unit, and the name of any unit or
# organisation (rows show the other unit; renames are rare, so every unit's rows go).
# Raising ``generation`` (the counts) raises rows_generation with it.
CREATE = """
CREATE OR REPLACE FUNCTION referrals_tab_count_changed(units bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO referrals_tabcount AS kept
        (unit_id, generation, counted_generation, incoming, waiting, sent, rows_generation)
    SELECT DISTINCT unit_id, 1, 0, 0, 0, 0, 1 FROM unnest(units) AS unit_id
    WHERE unit_id IS NOT NULL ORDER BY unit_id
    ON CONFLICT (unit_id) DO UPDATE
    SET generation = kept.generation + 1, rows_generation = kept.rows_generation + 1
$$;

CREATE FUNCTION referrals_tab_rows_changed(units bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO referrals_tabcount AS kept
        (unit_id, generation, counted_generation, incoming, waiting, sent, rows_generation)
    SELECT DISTINCT unit_id, 1, 0, 0, 0, 0, 1 FROM unnest(units) AS unit_id
    WHERE unit_id IS NOT NULL ORDER BY unit_id
    ON CONFLICT (unit_id) DO UPDATE SET rows_generation = kept.rows_generation + 1
$$;

CREATE OR REPLACE FUNCTION referrals_tab_count_referrals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM referrals_tab_count_changed(ARRAY(
            SELECT receiving_unit_id FROM added UNION SELECT referring_unit_id FROM added));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM referrals_tab_count_changed(ARRAY(
            SELECT receiving_unit_id FROM removed UNION SELECT referring_unit_id FROM removed));
    ELSE
        PERFORM referrals_tab_count_changed(ARRAY(
            SELECT unnest(ARRAY[
                o.receiving_unit_id, o.referring_unit_id, n.receiving_unit_id, n.referring_unit_id
            ])
            FROM removed o JOIN added n ON n.id = o.id
            WHERE (o.state, o.receiving_unit_id, o.referring_unit_id, o.patient_id)
                IS DISTINCT FROM (n.state, n.receiving_unit_id, n.referring_unit_id, n.patient_id)));
        -- Any other change of a row (Django writes every column): the counts stand, the
        -- rows shown do not.
        PERFORM referrals_tab_rows_changed(ARRAY(
            SELECT unnest(ARRAY[n.receiving_unit_id, n.referring_unit_id])
            FROM added n));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION referrals_tab_rows_patients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM referrals_tab_rows_changed(ARRAY(
        SELECT unnest(ARRAY[r.receiving_unit_id, r.referring_unit_id])
        FROM referrals_referral r
        WHERE r.patient_id IN (
            SELECT n.id FROM removed o JOIN added n ON n.id = o.id
            WHERE (o.first_name, o.last_name) IS DISTINCT FROM (n.first_name, n.last_name))));
    RETURN NULL;
END
$$;

CREATE FUNCTION referrals_tab_rows_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM removed o JOIN added n ON n.id = o.id
               WHERE o.name IS DISTINCT FROM n.name) THEN
        UPDATE referrals_tabcount SET rows_generation = rows_generation + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION referrals_tab_count_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Every kept count is stale: mark them all for counting again.
    UPDATE referrals_tabcount
    SET generation = generation + 1, rows_generation = rows_generation + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER tab_rows_patients AFTER UPDATE ON pathways_patient
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_tab_rows_patients();
CREATE TRIGGER tab_rows_units AFTER UPDATE ON accounts_serviceunit
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_tab_rows_renamed();
CREATE TRIGGER tab_rows_organisations AFTER UPDATE ON accounts_organisation
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION referrals_tab_rows_renamed();
"""

DROP = """
DROP TRIGGER IF EXISTS tab_rows_patients ON pathways_patient;
DROP TRIGGER IF EXISTS tab_rows_units ON accounts_serviceunit;
DROP TRIGGER IF EXISTS tab_rows_organisations ON accounts_organisation;
DROP FUNCTION IF EXISTS referrals_tab_rows_patients();
DROP FUNCTION IF EXISTS referrals_tab_rows_renamed();

CREATE OR REPLACE FUNCTION referrals_tab_count_changed(units bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO referrals_tabcount AS kept
        (unit_id, generation, counted_generation, incoming, waiting, sent)
    SELECT DISTINCT unit_id, 1, 0, 0, 0, 0 FROM unnest(units) AS unit_id
    WHERE unit_id IS NOT NULL ORDER BY unit_id
    ON CONFLICT (unit_id) DO UPDATE SET generation = kept.generation + 1
$$;

CREATE OR REPLACE FUNCTION referrals_tab_count_referrals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM referrals_tab_count_changed(ARRAY(
            SELECT receiving_unit_id FROM added UNION SELECT referring_unit_id FROM added));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM referrals_tab_count_changed(ARRAY(
            SELECT receiving_unit_id FROM removed UNION SELECT referring_unit_id FROM removed));
    ELSE
        PERFORM referrals_tab_count_changed(ARRAY(
            SELECT unnest(ARRAY[
                o.receiving_unit_id, o.referring_unit_id, n.receiving_unit_id, n.referring_unit_id
            ])
            FROM removed o JOIN added n ON n.id = o.id
            WHERE (o.state, o.receiving_unit_id, o.referring_unit_id, o.patient_id)
                IS DISTINCT FROM (n.state, n.receiving_unit_id, n.referring_unit_id, n.patient_id)));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION referrals_tab_count_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE referrals_tabcount SET generation = generation + 1;
    RETURN NULL;
END
$$;

DROP FUNCTION IF EXISTS referrals_tab_rows_changed(bigint[]);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_audit_partitioned_by_month"),
        ("pathways", "0025_care_team_counts"),
        ("referrals", "0010_tab_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="tabcount",
            name="rows_generation",
            field=models.BigIntegerField(default=1),
        ),
        migrations.RunPython(forwards, backwards),
    ]
