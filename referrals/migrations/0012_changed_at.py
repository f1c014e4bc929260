import django.utils.timezone
from django.db import migrations, models

# ``changed_at`` kept by the row trigger of pathways 0031 (Task.lastModified,
# meta.lastUpdated): an edit of a draft, the urgency or the frist moves it too.


def forwards(apps, schema_editor):
    # The embedded demo's SQLite keeps no change times (as pathways 0031).
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE referrals_referral SET changed_at = GREATEST(created_at, sent_at,"
        " assessed_at, ended_at, assessment_started_at)"
    )
    schema_editor.execute(
        "CREATE TRIGGER referrals_referral_changed_at BEFORE UPDATE ON referrals_referral"
        " FOR EACH ROW EXECUTE FUNCTION fhir_row_changed_at()"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER referrals_referral_changed_at ON referrals_referral")


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0031_changed_at"),
        ("referrals", "0011_tab_rows_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="changed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(forwards, backwards),
    ]
