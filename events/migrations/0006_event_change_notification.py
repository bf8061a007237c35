"""On PostgreSQL, every change to the events table is notified on a channel (events/versionwatch.py)."""

# A trigger, rather than the code that bumps versions, covers every way a row changes: a bump, a saved or
# deleted event, loaddata, a bulk update, SQL typed by hand, a truncate. PostgreSQL sends the
# notification when the transaction commits, and never for one rolled back.

from django.db import migrations

CREATE = [
    """
CREATE FUNCTION events_event_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('events_event_changed', '');
    RETURN NULL;
END
$$
""",
    """
CREATE TRIGGER events_event_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events_event
    FOR EACH STATEMENT EXECUTE FUNCTION events_event_notify_change()
""",
]

DROP = [
    "DROP TRIGGER IF EXISTS events_event_notify_change ON events_event",
    "DROP FUNCTION IF EXISTS events_event_notify_change()",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_room_name_is_not_the_placeholder"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
