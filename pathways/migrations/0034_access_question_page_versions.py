import importlib

from django.db import migrations

# The patient's questions about their access log (and the answers) are shown on the record's
# pages (the answer page is a patient page, kept between looks): a question asked or answered
# raises the patient's page versions like any other table of patient data (see 0027).
TABLE = "pathways_accessquestion"
QUERY = "SELECT array_agg(patient_id) FROM {rows}"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        page_versions = importlib.import_module("pathways.migrations.0027_page_versions")
        schema_editor.execute(
            "\n".join(
                page_versions._statement_triggers(
                    TABLE, "page_version", "pathways_patient_data_changed", QUERY
                )
            )
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "\n".join(
                f"DROP TRIGGER IF EXISTS page_version_{op} ON {TABLE};"
                for op in ("insert", "delete", "update", "truncate")
            )
        )


class Migration(migrations.Migration):
    dependencies = [("pathways", "0033_portal_access_end_reason")]

    operations = [migrations.RunPython(forwards, backwards)]
