"""Per-client counters, in the database so that every worker and every app server counts the same."""

from django.db import models


class Counter(models.Model):
    """How many attempts one client made in a window (see portal.ratelimit): the admin's failed sign-ins,
    office-hours signups. A row whose window has ended counts from one again on the next attempt."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
