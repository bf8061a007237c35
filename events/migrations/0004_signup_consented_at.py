from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_schedule_version_and_guids"),
    ]

    operations = [
        migrations.AddField(
            model_name="signup",
            name="consented_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the attendee agreed that these details are kept.",
                null=True,
            ),
        ),
    ]
