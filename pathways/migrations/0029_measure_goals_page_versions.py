from django.db import migrations

# The link between a measure and the goals it serves (a many-to-many table) is shown on the
# plan pages and in CarePlan.activity: linking or unlinking raises the plan's patient's
# versions like any other table of patient data (see 0027).
TABLE = "pathways_measure_goals"
QUERY = (
    "SELECT array_agg(p.patient_id) FROM {rows} t"
    " JOIN pathways_measure m ON m.id = t.measure_id"
    " JOIN pathways_individualplan p ON p.id = m.plan_id"
)


def _create():
    query = "'" + QUERY.replace("'", "''") + "'"
    statements = [
        f"CREATE TRIGGER page_version_{op.lower()} AFTER {op} ON {TABLE} REFERENCING {refs}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION pathways_patient_data_changed({query});"
        for op, refs in [
            ("INSERT", "NEW TABLE AS added"),
            ("DELETE", "OLD TABLE AS removed"),
            ("UPDATE", "OLD TABLE AS removed NEW TABLE AS added"),
        ]
    ]
    statements.append(
        f"CREATE TRIGGER page_version_truncate AFTER TRUNCATE ON {TABLE}"
        " FOR EACH STATEMENT EXECUTE FUNCTION pathways_everything_changed();"
    )
    return "\n".join(statements)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_create())


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "\n".join(
                f"DROP TRIGGER IF EXISTS page_version_{op} ON {TABLE};"
                for op in ("insert", "delete", "update", "truncate")
            )
        )


class Migration(migrations.Migration):
    dependencies = [("pathways", "0028_kept_parts")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
