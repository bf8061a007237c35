"""Staff's second factor: an authenticator app (TOTP) and single-use recovery codes, through django-otp.

Every staff member may turn it on for their own account; superusers must have it while
ADMIN_REQUIRE_2FA_FOR_SUPERUSERS is on. A session counts as verified once a code of the user's was accepted in
it (django-otp keeps the device in the session; its middleware sets `request.user.is_verified()`)."""

import io
import re

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, verify_token
from django_otp import login as remember_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10


def has_second_factor(user):
    """Whether the user signs in with a code from an authenticator app (recovery codes come with it)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def is_required(user):
    """Whether the user may reach no admin page before setting a second factor up."""
    return user.is_superuser and settings.ADMIN_REQUIRE_2FA_FOR_SUPERUSERS


def start_setup(user):
    """The app to be confirmed by its first code: a new secret key each time setup starts, so a key shown once
    and left unconfirmed never becomes the account's."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def pending_setup(user):
    """The app shown on the setup page and not confirmed yet, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def qr_code_svg(device):
    """The QR code an authenticator app scans to learn the device's key, as an SVG image that scales to the
    size the page gives it (a path with a viewBox; django-otp's own helper draws one of fixed size)."""
    out = io.BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def readable_key(device):
    """The key as people type it into an app that cannot scan: base32 in groups of four."""
    secret = re.search(r"secret=([A-Z2-7]+)", device.config_url).group(1)
    return " ".join(secret[n : n + 4] for n in range(0, len(secret), 4))


def confirm_setup(request, device, code):
    """Confirm the app with its first code: it becomes the account's only app, with new recovery codes, and
    this session counts as verified. Returns the recovery codes, or None if the code is wrong."""
    with transaction.atomic():
        verified = verify_token(request.user, device.persistent_id, clean_code(code))
        if verified is None:
            return None
        TOTPDevice.objects.filter(user=request.user).exclude(pk=verified.pk).delete()
        TOTPDevice.objects.filter(pk=verified.pk).update(confirmed=True)
        verified.confirmed = True
        codes = new_recovery_codes(request.user)
    remember_device(request, verified)
    return codes


def new_recovery_codes(user):
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones; the old ones stop working."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name="Recovery codes", defaults={"confirmed": True}
        )
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes(user):
    """The user's recovery codes that are still unused."""
    return list(
        StaticToken.objects.filter(device__user=user, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )


def clean_code(code):
    """A code as typed, without the spaces and dashes people add, and in the case the codes are stored in."""
    return re.sub(r"[\s-]", "", code or "").lower()


def verify(user, code, *, recovery=False):
    """The device that accepts `code` (an authenticator app's code, or with `recovery` one of the recovery
    codes, which is then used up), or None. Codes already used are refused, also by requests at the same
    moment: django-otp locks the device while it checks."""
    kind = StaticDevice if recovery else TOTPDevice
    code = clean_code(code)
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, kind):
            verified = verify_token(user, device.persistent_id, code)
            if verified is not None:
                return verified
    return None


def turn_off(user):
    """Remove the user's app and recovery codes: the account signs in with its password alone again."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
