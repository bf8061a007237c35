"""Schedule version for caching and ETags; stable guids for rooms and speakers (exports and import)."""

import uuid

import django.utils.timezone
from django.db import migrations, models


def give_each_row_its_own_uuid(apps, schema_editor):
    # A callable default is evaluated once for AddField, so existing rows get their own value here.
    for model_name in ("Room", "Speaker"):
        model = apps.get_model("events", model_name)
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_organisers_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="schedule_changed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.AddField(
            model_name="event",
            name="schedule_version",
            field=models.PositiveBigIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="room",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="speaker",
            name="uuid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_row_its_own_uuid, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="room",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="speaker",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
