import importlib

from django.db import migrations

# Two more things kept pages and searches show (see 0027):
# - the link between a measure and the goals it serves (a many-to-many table), on the plan
#   pages and in CarePlan.activity: linking or unlinking raises the plan's patient's versions
#   like any other table of patient data;
# - a user's username, which Practitioner shows for someone without a name: it raises the
#   reference version like the names do.
TABLE = "pathways_measure_goals"
QUERY = (
    "SELECT array_agg(p.patient_id) FROM {rows} t"
    " JOIN pathways_measure m ON m.id = t.measure_id"
    " JOIN pathways_individualplan p ON p.id = m.plan_id"
)


USER_COLUMNS = "first_name, last_name, email, is_active"


def _user_function(columns: str) -> str:
    old = ", ".join(f"o.{c}" for c in columns.split(", "))
    new = ", ".join(f"n.{c}" for c in columns.split(", "))
    return (
        # Column names of this file only (no input): S608 does not apply.
        "CREATE OR REPLACE FUNCTION pathways_reference_auth_user() RETURNS trigger"  # noqa: S608
        " LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM removed o JOIN added n"
        f" ON n.id = o.id WHERE ({old}) IS DISTINCT FROM ({new}))"
        " THEN PERFORM pathways_reference_raise(); END IF; RETURN NULL; END $$;"
    )


def _create():
    # The same triggers as 0027's tables of patient data, from 0027's own helper.
    page_versions = importlib.import_module("pathways.migrations.0027_page_versions")
    triggers = page_versions._statement_triggers(
        TABLE, "page_version", "pathways_patient_data_changed", QUERY
    )
    return "\n".join([*triggers, _user_function(f"username, {USER_COLUMNS}")])


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_create())


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "\n".join(
                [
                    *(
                        f"DROP TRIGGER IF EXISTS page_version_{op} ON {TABLE};"
                        for op in ("insert", "delete", "update", "truncate")
                    ),
                    _user_function(USER_COLUMNS),
                ]
            )
        )


class Migration(migrations.Migration):
    dependencies = [("pathways", "0028_kept_parts")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
