import django.utils.timezone
from django.db import migrations, models

# ``changed_at``: the last change of a row whose FHIR resource had no change time of its own
# (meta.lastUpdated, ``_lastUpdated``). Kept by a row trigger, so every writer (services,
# loaders, admin, a queryset ``update()``) moves it; a save that changes nothing leaves it.
# ``clock_timestamp()``: a time taken before the change is always earlier, even within one
# long transaction.
FUNCTION = """
CREATE OR REPLACE FUNCTION fhir_row_changed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.changed_at := clock_timestamp();
    END IF;
    RETURN NEW;
END
$$;
"""

# Table -> the best earlier change time its rows have (the trigger starts from here).
TABLES = {
    "patient": "created_at",
    "goal": "created_at",
    "meeting": "GREATEST(created_at, published_at)",
    "treatmentepisode": "GREATEST(created_at, ended_at, ready_at, assessed_at)",
    "nextofkin": "(SELECT p.created_at FROM pathways_patient p WHERE p.id = patient_id)",
}


def trigger(table):
    return (
        f"CREATE TRIGGER {table}_changed_at BEFORE UPDATE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION fhir_row_changed_at()"
    )


def backfill(table, since):
    # Table names and expressions of this file only (no input): S608 does not apply.
    return f"UPDATE {table} SET changed_at = {since}"  # noqa: S608


def forwards(apps, schema_editor):
    # The embedded demo's SQLite keeps no change times: its rows keep their creation time.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for model, since in TABLES.items():
        schema_editor.execute(backfill(f"pathways_{model}", since))
        schema_editor.execute(trigger(f"pathways_{model}"))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model in TABLES:
        schema_editor.execute(f"DROP TRIGGER pathways_{model}_changed_at ON pathways_{model}")
    schema_editor.execute("DROP FUNCTION fhir_row_changed_at()")


class Migration(migrations.Migration):
    dependencies = [("pathways", "0030_notification_counts")]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name="changed_at",
                field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
            )
            for model in TABLES
        ),
        migrations.RunPython(forwards, backwards),
    ]
