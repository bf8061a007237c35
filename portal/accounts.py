"""The staff's sign-in pages in the admin: the password with its brake, the second step with a code, and each
staff member's own two-factor page (set an app up, recovery codes, turn it off).

An account with an app is signed in only after its code: the password step keeps the account waiting in the
session (for PENDING_SECONDS), not signed in."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import signin, twofactor
from .forms import CodeForm, ConfirmPasswordForm

# Seconds between a right password and its code after which the password is asked for again.
PENDING_SECONDS = 300
PENDING_KEY = "admin_sign_in_pending"


def refused(request, site, refusal):
    """The page of an attempt that the brake stopped: 429, with the wait in Retry-After and in words."""
    context = {**site.each_context(request), "title": _("Too many sign-in attempts"), "refusal": refusal}
    if refusal.reason == "account":
        context["minutes"] = max(1, -(-refusal.seconds // 60))
    response = TemplateResponse(request, "admin/login_locked.html", context, status=429)
    response["Retry-After"] = str(refusal.seconds)
    return response


class PasswordSignInView(LoginView):
    """Django's admin sign-in, each guess counted before its check (portal.signin). An account with a second
    factor goes on to the code page instead of being signed in."""

    site = None

    def post(self, request, *args, **kwargs):
        username = signin.normalise_username(request.POST.get("username"))
        if not (username and request.POST.get("password")):
            return super().post(request, *args, **kwargs)  # nothing to check: the form says what is missing
        attempt = signin.begin(request, "password", username)
        if attempt.refusal:
            return refused(request, self.site, attempt.refusal)
        form = self.get_form()
        if not form.is_valid():
            attempt.failed()
            return self.form_invalid(form)
        attempt.succeeded()
        return self.form_valid(form)

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.has_second_factor(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "password": user.get_session_auth_hash(),
            "since": int(time.time()),
            "next": self.get_redirect_url() or reverse("admin:index"),
        }
        return redirect("admin:two_factor_sign_in")


def pending_user(request):
    """The user whose right password waits for its code, or an account signed in without its code (a session
    from before the app was set up): None if neither, or if the password changed or PENDING_SECONDS passed."""
    if request.user.is_authenticated:
        if not request.user.is_verified() and twofactor.has_second_factor(request.user):
            return request.user
        return None
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        return None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True, is_staff=True).first()
    if user is None or user.get_session_auth_hash() != pending["password"]:
        return None
    user.backend = pending["backend"]
    return user


def code_sign_in(request, site, *, recovery=False):
    """The second step: a code from the app (or a recovery code), braked per account and address as the
    password is."""
    user = pending_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect("admin:index")
        messages.info(request, _("Sign in with your password first; then the code is asked for."))
        return redirect("admin:login")
    form = CodeForm(request.POST if request.method == "POST" else None, recovery=recovery)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            attempt = signin.begin(request, "code", user.pk)
            if attempt.refusal:
                return refused(request, site, attempt.refusal)
            device = twofactor.verify(user, form.cleaned_data["code"], recovery=recovery)
            if device is not None:
                attempt.succeeded()
                return _finish_sign_in(request, user, device, recovery=recovery)
            attempt.failed()
            form.add_error(
                "code",
                _("This recovery code is not one of yours, or was used already.")
                if recovery
                else _(
                    "This code is not the one your app shows now. Type the code it shows, before it changes."
                ),
            )
    context = {
        **site.each_context(request),
        "title": _("Use a recovery code") if recovery else _("Two-factor authentication"),
        "subtitle": None,
        "form": form,
        "recovery": recovery,
        "username": user.get_username(),
    }
    return TemplateResponse(request, "admin/two_factor/sign_in.html", context, status=status)


def _finish_sign_in(request, user, device, *, recovery):
    pending = request.session.pop(PENDING_KEY, None)
    next_url = pending["next"] if pending else reverse("admin:index")
    if not request.user.is_authenticated:
        auth_login(request, user)
    twofactor.remember_device(request, device)
    if recovery:
        left = len(twofactor.recovery_codes(user))
        messages.warning(
            request,
            ngettext(
                "You signed in with a recovery code, which is now used up: %(count)d is left. Make new ones on your two-factor page.",
                "You signed in with a recovery code, which is now used up: %(count)d are left. Make new ones on your two-factor page.",
                left,
            )
            % {"count": left},
        )
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("admin:index")
    return HttpResponseRedirect(next_url)


def overview(request, site):
    """The staff member's own two-factor page: whether it is on, and what can be done about it."""
    user = request.user
    context = {
        **site.each_context(request),
        "title": _("Two-factor authentication"),
        "has_second_factor": twofactor.has_second_factor(user),
        "is_required": twofactor.is_required(user),
        "recovery_code_count": len(twofactor.recovery_codes(user)),
        "password_form": ConfirmPasswordForm(),
    }
    return TemplateResponse(request, "admin/two_factor/overview.html", context)


@require_POST
def start_setup(request, site):
    twofactor.start_setup(request.user)
    return redirect("admin:two_factor_setup")


def setup(request, site):
    """Scan the QR code (or type the key) into an app, then confirm with its first code."""
    device = twofactor.pending_setup(request.user)
    if device is None:
        return redirect("admin:two_factor")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            codes = twofactor.confirm_setup(request, device, form.cleaned_data["code"])
            if codes is not None:
                messages.success(
                    request,
                    _(
                        "Two-factor authentication is on: from now on you sign in with your password and a code from your app."
                    ),
                )
                return redirect("admin:two_factor_recovery_codes")
            form.add_error(
                "code",
                _(
                    "This code does not match the key. Check that the app shows the account you just added, and type its current code."
                ),
            )
    context = {
        **site.each_context(request),
        "title": _("Set up an authenticator app"),
        "form": form,
        "key": twofactor.readable_key(device),
    }
    return TemplateResponse(request, "admin/two_factor/setup.html", context, status=status)


def qr_code(request, site):
    device = twofactor.pending_setup(request.user)
    if device is None:
        raise Http404(_("No app is being set up."))
    return HttpResponse(twofactor.qr_code_svg(device), content_type="image/svg+xml")


def recovery_codes(request, site):
    """The unused recovery codes; a POST replaces them with new ones."""
    if not twofactor.has_second_factor(request.user):
        return redirect("admin:two_factor")
    if request.method == "POST":
        twofactor.new_recovery_codes(request.user)
        messages.success(request, _("New recovery codes are ready; the old ones no longer work."))
        return redirect("admin:two_factor_recovery_codes")
    context = {
        **site.each_context(request),
        "title": _("Recovery codes"),
        "codes": twofactor.recovery_codes(request.user),
    }
    return TemplateResponse(request, "admin/two_factor/recovery_codes.html", context)


@require_POST
def turn_off(request, site):
    """Turn the second factor off, confirmed with the password (braked as the sign-in is)."""
    user = request.user
    if twofactor.is_required(user):
        messages.error(
            request, _("Superusers must sign in with two-factor authentication: it cannot be turned off.")
        )
        return redirect("admin:two_factor")
    form = ConfirmPasswordForm(request.POST)
    if form.is_valid():
        attempt = signin.begin(request, "password", signin.normalise_username(user.get_username()))
        if attempt.refusal:
            return refused(request, site, attempt.refusal)
        if user.check_password(form.cleaned_data["password"]):
            attempt.succeeded()
            twofactor.turn_off(user)
            messages.success(
                request, _("Two-factor authentication is off: you sign in with your password alone.")
            )
            return redirect("admin:two_factor")
        attempt.failed()
        form.add_error("password", _("This is not your password."))
    context = {
        **site.each_context(request),
        "title": _("Two-factor authentication"),
        "has_second_factor": twofactor.has_second_factor(user),
        "is_required": False,
        "recovery_code_count": len(twofactor.recovery_codes(user)),
        "password_form": form,
    }
    return TemplateResponse(request, "admin/two_factor/overview.html", context, status=400)


def missing_step(request):
    """What the signed-in staff member must do before any other admin page: "verify" (a code, in a session
    that was signed in without one), "setup" (a superuser without an app while it is required), or None.

    The answer None is kept in the session for a minute, so that the admin's pages cost no query for it."""
    user = request.user
    if user.is_verified():
        return None
    checked = request.session.get(CHECKED_KEY)
    if checked and time.time() - checked < RECHECK_SECONDS:
        return None
    if twofactor.has_second_factor(user):
        return "verify"
    if twofactor.is_required(user):
        return "setup"
    request.session[CHECKED_KEY] = int(time.time())
    return None


CHECKED_KEY = "admin_two_factor_checked"
RECHECK_SECONDS = 60
LAST_SEEN_KEY = "admin_last_seen"


def is_signed_in_staff(request):
    """Whether a member of staff is signed in as the admin lets them in: active, with the second factor where
    it is required or set up, and not idle for ADMIN_SESSION_IDLE_MINUTES. What only staff get outside the admin
    (previews of draft events, requests without the anonymous deadline) is for them alone: a session signed in
    with a password but not yet its code gets what everybody gets."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    last = request.session.get(LAST_SEEN_KEY)
    if last is not None and time.time() - last > settings.ADMIN_SESSION_IDLE_MINUTES * 60:
        return False
    return missing_step(request) is None


def end_if_idle(request):
    """Sign the staff member out if the admin saw nothing of them for ADMIN_SESSION_IDLE_MINUTES; True if so.
    The time of the last request is written at most once a minute, so the session may end up to a minute
    early, and the admin's pages cost no write for it."""
    now = int(time.time())
    last = request.session.get(LAST_SEEN_KEY)
    if last is not None and now - last > settings.ADMIN_SESSION_IDLE_MINUTES * 60:
        logout(request)
        return True
    if last is None or now - last >= 60:
        request.session[LAST_SEEN_KEY] = now
    return False
