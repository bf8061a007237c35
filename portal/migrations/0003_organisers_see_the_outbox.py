"""Organisers see the outbox, send undelivered email again and delete email that should not go out."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Organisers"
PERMISSIONS = ["view_email", "delete_email"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("portal")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="portal", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="portal", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_outbox"),
        ("events", "0002_organisers_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
