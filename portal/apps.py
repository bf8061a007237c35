"""The admin, with the portal's own admin site as the default site."""

from django.contrib.admin.apps import AdminConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(using, **kwargs):
    # The counters live in a cache table when no shared cache is configured (settings.CACHES); migrate
    # creates it, so no deployment step can be forgotten. createcachetable leaves existing tables alone.
    call_command("createcachetable", database=using, verbosity=0)


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin.PortalAdminSite"

    def ready(self):
        super().ready()
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="portal-cache-tables")
