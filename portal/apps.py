"""The admin, with the portal's own admin site as the default site."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin.PortalAdminSite"
