"""Create the Organisers group with exactly the permissions an organiser needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Organisers"
# Everything organisers edit; nothing on users, groups or permissions.
MODELS = [
    "event",
    "room",
    "track",
    "speaker",
    "talk",
    "talkspeaker",
    "booth",
    "boothshift",
    "officehours",
    "signup",
]


def create_organisers_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so the group can hold them.
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="events", content_type__model__in=MODELS)
    )


def remove_organisers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_organisers_group, remove_organisers_group)]
