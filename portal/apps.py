"""The portal's own app (per-client counters), and the admin with the portal's admin site as the default."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    # Translators: the admin's heading of the outbox of email ("Portal › Outbox").
    verbose_name = _("Portal")


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False  # named in INSTALLED_APPS; "portal" alone means PortalConfig
    default_site = "portal.sites.PortalAdminSite"
