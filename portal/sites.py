"""The organisers' admin site: Django's, with a brake on repeated failed sign-ins and lists that answer filter
values they cannot use with a message instead of a server error.

The site lives apart from the ModelAdmins of portal/admin.py: Django builds the default site by importing this
class, and a module that registers on the default site while it is being imported would build a second one."""

from functools import wraps

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import ratelimit


class PortalAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Community event portal")
    # Translators: the end of the admin's page titles, after the page's own ("Select talk to change | ...").
    site_title = gettext_lazy("Event portal admin")
    index_title = gettext_lazy("Events, talks and signups")

    def login(self, request, extra_context=None):
        """Refuse sign-ins from a client after ADMIN_LOGIN_MAX_FAILURES failures within ADMIN_LOGIN_LOCKOUT_SECONDS."""
        key = f"admin-login-failures:{ratelimit.client_address(request)}"
        if request.method == "POST" and ratelimit.current(key) >= settings.ADMIN_LOGIN_MAX_FAILURES:
            minutes = max(1, settings.ADMIN_LOGIN_LOCKOUT_SECONDS // 60)
            response = TemplateResponse(
                request,
                "admin/login_locked.html",
                {**self.each_context(request), "title": _("Too many sign-in attempts"), "minutes": minutes},
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

    def admin_view(self, view, cacheable=False):
        """Every page of the admin, those of other apps' ModelAdmins too, passes the guard below."""
        return super().admin_view(self._guard(view), cacheable)

    def _guard(self, view):
        """A NUL byte in the address (no filter, search or form takes one; PostgreSQL refuses it with a server
        error) is answered with a 400 page. A list whose filters cannot be applied (a year or month out of
        range, a date that does not exist, an id that is not a number) shows the whole list with a message:
        Django redirects such lists to `?e=1` but says nothing, and lets out-of-range numbers through as
        OverflowError or ValueError."""
        is_list = getattr(view, "__name__", "") == "changelist_view"

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if any(
                "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values
            ):
                return self._bad_request(
                    request, _("This address holds a NUL character, which no page takes.")
                )
            filtered = request.GET.keys() - {ERROR_FLAG}
            if not (is_list and filtered and request.method == "GET"):
                return view(request, *args, **kwargs)
            try:
                response = view(request, *args, **kwargs)
            except (OverflowError, ValueError):
                # Numbers out of Python's date range or C's int, which Django's list passes on; the unfiltered list
                # below does not read them.
                response = None
            invalid_setup = (
                isinstance(response, SimpleTemplateResponse)
                and response.template_name == "admin/invalid_setup.html"
            )
            if response is None or invalid_setup or _is_redirect_to_error_flag(response, request):
                query = Truncator(request.GET.urlencode(safe="/:@")).chars(120)
                messages.error(
                    request,
                    _(
                        # Translators: query is the part of the address after "?", e.g. starts_at__year=99999.
                        "This list cannot be filtered by “%(query)s”, so it shows everything. Choose a filter on the right."
                    )
                    % {"query": query},
                )
                return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
            return response

        return guarded

    def _bad_request(self, request, message):
        return TemplateResponse(
            request,
            "admin/bad_request.html",
            {**self.each_context(request), "title": _("This address cannot be answered"), "message": message},
            status=400,
        )


def _is_redirect_to_error_flag(response, request):
    return isinstance(response, HttpResponseRedirect) and response.url == f"{request.path}?{ERROR_FLAG}=1"
