"""The events app: conferences, their talks, booth and office hours."""

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (connects the schedule-version receivers)

        checks.register(check_embed_origins)


def check_embed_origins(app_configs, **kwargs):
    """EMBED_ORIGINS goes into the Content-Security-Policy as it is: a typo there must stop the start."""
    from .models import embed_origin_problems

    return [
        checks.Error(problem, hint="Set EMBED_ORIGINS to origins separated by commas.", id="events.E001")
        for problem in embed_origin_problems(settings.EMBED_ORIGINS)
    ]
