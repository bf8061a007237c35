"""The organisers' admin site: Django's, with a brake on repeated failed sign-ins.

The site lives apart from the ModelAdmins of portal/admin.py: Django builds the default site by importing this
class, and a module that registers on the default site while it is being imported would build a second one."""

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse

from . import ratelimit


class PortalAdminSite(admin.AdminSite):
    site_header = "Community event portal"
    site_title = "Event portal admin"
    index_title = "Events, talks and signups"

    def login(self, request, extra_context=None):
        """Refuse sign-ins from a client after ADMIN_LOGIN_MAX_FAILURES failures within ADMIN_LOGIN_LOCKOUT_SECONDS."""
        key = f"admin-login-failures:{ratelimit.client_address(request)}"
        if request.method == "POST" and ratelimit.current(key) >= settings.ADMIN_LOGIN_MAX_FAILURES:
            minutes = max(1, settings.ADMIN_LOGIN_LOCKOUT_SECONDS // 60)
            response = TemplateResponse(
                request,
                "admin/login_locked.html",
                {**self.each_context(request), "title": "Too many sign-in attempts", "minutes": minutes},
                status=429,
            )
            response["Retry-After"] = str(settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
            return response
        response = super().login(request, extra_context)
        if request.method == "POST" and not request.user.is_authenticated:
            ratelimit.count(key, settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
        elif request.user.is_authenticated:
            ratelimit.reset(key)
        return response
