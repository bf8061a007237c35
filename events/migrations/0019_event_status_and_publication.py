"""Events get a status (drafts are seen by organisers only), and the changelog an entry for a publication."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0018_signup_erasure"),
    ]

    operations = [
        # Every event that exists is public already, as it was before events had a status: it is added as
        # published, and only events created from now on start as drafts.
        migrations.AddField(
            model_name="event",
            name="status",
            field=models.CharField(
                choices=[("draft", "Draft"), ("published", "Published")],
                default="published",
                editable=False,
                help_text="A draft is seen only by organisers; publishing it opens every page of it to everybody.",
                max_length=20,
                verbose_name="status",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="event",
            name="status",
            field=models.CharField(
                choices=[("draft", "Draft"), ("published", "Published")],
                default="draft",
                editable=False,
                help_text="A draft is seen only by organisers; publishing it opens every page of it to everybody.",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="scheduleupdate",
            name="kind",
            field=models.CharField(
                choices=[("changes", "Changes"), ("published", "Programme published")],
                default="changes",
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="scheduleupdate",
            name="talk_count",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The number of talks the programme showed when it was published.",
                null=True,
                verbose_name="talks published",
            ),
        ),
        migrations.AddConstraint(
            model_name="scheduleupdate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "published")),
                fields=("event",),
                name="schedule_update_published_once_per_event",
                violation_error_message="The changelog of this event already says that it was published.",
            ),
        ),
        migrations.AddConstraint(
            model_name="scheduleupdate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "published"), ("talk_count__isnull", False)),
                    models.Q(models.Q(("kind", "published"), _negated=True), ("talk_count__isnull", True)),
                    _connector="OR",
                ),
                name="schedule_update_counts_talks_only_when_published",
                violation_error_message="Only the entry of a publication counts the talks published.",
            ),
        ),
    ]
