from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pathways", "0032_portal_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="portalaccess",
            name="end_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="why it was closed"),
        ),
    ]
