"""The organisers' admin site: Django's, with a brake on guessing at its sign-in, a second factor for staff
(required for superusers), sessions that end when idle, and lists that answer filter values they cannot use
with a message instead of a server error.

The site lives apart from the ModelAdmins of portal/admin.py: Django builds the default site by importing this
class, and a module that registers on the default site while it is being imported would build a second one."""

from functools import wraps

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import accounts

# The pages a signed-in staff member still reaches while a step of the second factor is missing.
OPEN_BEFORE_SETUP = {"logout", "two_factor", "two_factor_start", "two_factor_setup", "two_factor_qr"}
OPEN_BEFORE_CODE = {"logout"}


class PortalAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Community event portal")
    # Translators: the end of the admin's page titles, after the page's own ("Select talk to change | ...").
    site_title = gettext_lazy("Event portal admin")
    index_title = gettext_lazy("Events, talks and signups")

    def login(self, request, extra_context=None):
        """Django's sign-in page, with the brake on guessing and the second step of portal.accounts."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        from django.contrib.admin.forms import AdminAuthenticationForm

        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return accounts.PasswordSignInView.as_view(
            site=self,
            extra_context=context,
            authentication_form=AdminAuthenticationForm,
            template_name="admin/login.html",
        )(request)

    def get_urls(self):
        def own(view, cacheable=False):
            """A page of the staff member's own account, for every staff member (no permission needed)."""
            return self.admin_view(lambda request: view(request, self), cacheable)

        def before_sign_in(view):
            return csrf_protect(never_cache(lambda request: view(request, self)))

        return [
            path("two-factor/", own(accounts.overview), name="two_factor"),
            path("two-factor/start/", own(accounts.start_setup), name="two_factor_start"),
            path("two-factor/set-up/", own(accounts.setup), name="two_factor_setup"),
            path("two-factor/set-up/qr.svg", own(accounts.qr_code), name="two_factor_qr"),
            path(
                "two-factor/recovery-codes/", own(accounts.recovery_codes), name="two_factor_recovery_codes"
            ),
            path("two-factor/turn-off/", own(accounts.turn_off), name="two_factor_turn_off"),
            path("two-factor/sign-in/", before_sign_in(accounts.code_sign_in), name="two_factor_sign_in"),
            path(
                "two-factor/sign-in/recovery-code/",
                before_sign_in(lambda request, site: accounts.code_sign_in(request, site, recovery=True)),
                name="two_factor_recovery_sign_in",
            ),
            *super().get_urls(),
        ]

    def admin_view(self, view, cacheable=False):
        """Every page of the admin, those of other apps' ModelAdmins too, ends an idle session and passes the
        guards below."""
        return self._end_idle_session(super().admin_view(self._guard(self._second_factor(view)), cacheable))

    def _end_idle_session(self, view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if request.user.is_authenticated and accounts.end_if_idle(request):
                minutes = settings.ADMIN_SESSION_IDLE_MINUTES
                messages.info(
                    request,
                    ngettext(
                        "You were signed out after %(minutes)d minute without activity. Sign in again to go on.",
                        "You were signed out after %(minutes)d minutes without activity. Sign in again to go on.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
            return view(request, *args, **kwargs)

        return checked

    def _second_factor(self, view):
        """A session signed in without the code of its account's app is asked for it; a superuser without an
        app, while ADMIN_REQUIRE_2FA_FOR_SUPERUSERS is on, is sent to set one up. Both before any other page."""

        @wraps(view)
        def checked(request, *args, **kwargs):
            step = accounts.missing_step(request)
            name = request.resolver_match.url_name if request.resolver_match else None
            if step == "verify" and name not in OPEN_BEFORE_CODE:
                return redirect("admin:two_factor_sign_in")
            if step == "setup" and name not in OPEN_BEFORE_SETUP:
                messages.warning(
                    request,
                    _(
                        "Superusers sign in with a second factor: set up an authenticator app before you go on."
                    ),
                )
                return redirect("admin:two_factor")
            return view(request, *args, **kwargs)

        return checked

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
