"""Staff's second factor: set up from the admin with a real authenticator's codes (pyotp computes them as an app
does), signing in with a code or a recovery code, braked as passwords are; required for superusers."""

import base64
import time
from unittest import mock

import pyotp
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from lxml import html

from portal import accounts, twofactor
from tests.conftest import ORGANISER_PASSWORD as PASSWORD
from tests.conftest import FormClient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


def post(client, url, data=None, address="203.0.113.7"):
    return client.post(url, data or {}, REMOTE_ADDR=address)


def sign_in(client, username, password=PASSWORD, address="203.0.113.7"):
    return post(
        client,
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        address,
    )


def enter_code(client, code, *, recovery=False, address="203.0.113.7"):
    url = reverse("admin:two_factor_recovery_sign_in" if recovery else "admin:two_factor_sign_in")
    return post(client, url, {"code": code}, address)


def app_for(device):
    """An authenticator app holding the device's key."""
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def with_app(user):
    """The user with an authenticator app set up, and its recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return app_for(device), twofactor.new_recovery_codes(user)


def signed_in_with_app(user):
    """A browser signed in as the user with its app's code; the app and the recovery codes."""
    app, codes = with_app(user)
    client = FormClient()
    sign_in(client, user.get_username())
    enter_code(client, app.now())
    return client, app, codes


def page(response):
    return html.fromstring(response.content)


def set_up_an_app(client):
    """What a staff member does on the two-factor page: start, scan (here: read the key), type the first code."""
    assert post(client, reverse("admin:two_factor_start"))["Location"] == reverse("admin:two_factor_setup")
    setup = client.get(reverse("admin:two_factor_setup"))
    key = page(setup).xpath("string(//code[@class='two-factor-key'])").replace(" ", "")
    app = pyotp.TOTP(key)
    confirmed = post(client, reverse("admin:two_factor_setup"), {"code": app.now()})
    assert confirmed["Location"] == reverse("admin:two_factor_recovery_codes")
    return app


def test_an_organiser_sets_up_an_app_and_then_signs_in_with_its_code(organiser):
    client = FormClient()
    assert sign_in(client, "olga")["Location"] == "/admin/"
    overview = client.get(reverse("admin:two_factor"))
    assert "Two-factor authentication is off." in overview.content.decode()

    app = set_up_an_app(client)

    codes = page(client.get(reverse("admin:two_factor_recovery_codes"))).xpath(
        "//ul[@class='two-factor-codes']//code/text()"
    )
    assert len(codes) == 10
    assert "Two-factor authentication is on." in client.get(reverse("admin:two_factor")).content.decode()
    post(client, reverse("admin:logout"))

    password_step = sign_in(client, "olga")
    assert password_step["Location"] == reverse("admin:two_factor_sign_in")
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))  # not signed in yet
    # The code of the next half-minute: the one of setup was used, and a code works once.
    signed_in = enter_code(client, app.at(time.time() + 30))
    assert signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_setting_up_starts_from_a_button_and_a_wrong_first_code_turns_nothing_on(organiser, organiser_client):
    assert organiser_client.get(reverse("admin:two_factor_setup"))["Location"] == reverse("admin:two_factor")

    post(organiser_client, reverse("admin:two_factor_start"))
    wrong = post(organiser_client, reverse("admin:two_factor_setup"), {"code": "000000"})

    assert wrong.status_code == 400
    assert "This code does not match the key." in wrong.content.decode()
    assert twofactor.has_second_factor(organiser) is False


def test_the_qr_code_is_an_image_of_the_portal_that_the_policy_lets_in(organiser_client):
    post(organiser_client, reverse("admin:two_factor_start"))
    setup = organiser_client.get(reverse("admin:two_factor_setup"))

    image = page(setup).xpath("//img[@class='two-factor-qr']/@src")
    qr = organiser_client.get(image[0])

    assert image == [reverse("admin:two_factor_qr")]
    assert "img-src 'self'" in setup["Content-Security-Policy"]
    assert "script-src 'self'" in setup["Content-Security-Policy"]
    assert page(setup).xpath("//script[not(@src)] | //style | //*[@style]") == []
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml") and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]


def test_a_new_app_replaces_the_old_one_only_once_it_shows_its_first_code(organiser):
    client, old_app, _codes = signed_in_with_app(organiser)

    post(client, reverse("admin:two_factor_start"))
    assert TOTPDevice.objects.filter(user=organiser, confirmed=True).count() == 1  # the old one, still
    set_up_an_app(client)

    assert TOTPDevice.objects.filter(user=organiser).count() == 1
    assert TOTPDevice.objects.get(user=organiser).confirmed is True
    assert TOTPDevice.objects.get(user=organiser).bin_key != base64.b32decode(old_app.secret)


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(organiser):
    _app, codes = with_app(organiser)
    client = FormClient()
    sign_in(client, "olga")

    signed_in = enter_code(client, codes[0].upper(), recovery=True)  # typed in capitals: still the code

    assert signed_in["Location"] == "/admin/"
    assert "9 are left" in client.get("/admin/").content.decode()
    post(client, reverse("admin:logout"))
    sign_in(client, "olga")
    again = enter_code(client, codes[0], recovery=True)
    assert again.status_code == 400
    assert "not one of yours, or was used already" in again.content.decode()
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))


def test_a_code_signs_in_once(organiser):
    app, _codes = with_app(organiser)
    code = app.now()
    first, second = FormClient(), FormClient()
    sign_in(first, "olga")
    sign_in(second, "olga", address="198.51.100.9")

    assert enter_code(first, code)["Location"] == "/admin/"
    assert enter_code(second, code, address="198.51.100.9").status_code == 400


def test_wrong_codes_are_braked_like_passwords(organiser, settings):
    app, codes = with_app(organiser)
    client = FormClient()
    sign_in(client, "olga")
    wrong = [enter_code(client, f"{n:06d}", address=f"198.51.100.{n}").status_code for n in range(5)]

    paused = enter_code(client, app.now(), address="192.0.2.99")
    recovery = enter_code(client, codes[0], recovery=True, address="192.0.2.98")

    assert wrong == [400] * 5
    assert paused.status_code == recovery.status_code == 429
    assert "Too many failed sign-in attempts for this account" in paused.content.decode()
    assert settings.ADMIN_LOGIN_LOCKOUT_SECONDS - 60 < int(paused["Retry-After"]) <= 900
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))


def test_a_right_code_resets_the_codes_count(organiser, settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 2
    app, _codes = with_app(organiser)
    client = FormClient()
    sign_in(client, "olga")
    enter_code(client, "000000", address="198.51.100.1")
    enter_code(client, "000000", address="198.51.100.2")
    assert enter_code(client, app.now(), address="198.51.100.3").status_code == 429

    from portal.models import Counter

    Counter.objects.filter(key__startswith="admin-code:account:").update(expires_at="2000-01-01T00:00Z")
    assert enter_code(client, app.now(), address="198.51.100.4")["Location"] == "/admin/"
    post(client, reverse("admin:logout"))
    sign_in(client, "olga")
    enter_code(client, "000000", address="198.51.100.5")
    assert enter_code(client, app.at(time.time() + 30), address="198.51.100.6")["Location"] == "/admin/"


def test_a_code_typed_as_nothing_like_one_is_answered_with_a_400(organiser):
    with_app(organiser)
    client = FormClient()
    sign_in(client, "olga")

    response = enter_code(client, "twelve")

    assert response.status_code == 400
    assert "Type the six digits your app shows" in response.content.decode()


def test_the_code_page_without_a_right_password_sends_to_the_sign_in(organiser):
    app, _codes = with_app(organiser)
    client = FormClient()

    response = enter_code(client, app.now())

    assert response["Location"] == reverse("admin:login")
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))


def test_the_password_waits_for_its_code_five_minutes_at_most(organiser):
    app, _codes = with_app(organiser)
    client = FormClient()
    sign_in(client, "olga")

    later = time.time() + accounts.PENDING_SECONDS + 1
    with mock.patch("portal.accounts.time.time", return_value=later):
        response = enter_code(client, app.at(later))

    assert response["Location"] == reverse("admin:login")


def test_a_session_signed_in_without_its_code_is_asked_for_it(organiser, client):
    app, _codes = with_app(organiser)
    client.force_login(organiser)

    for address in ["/admin/", reverse("admin:events_talk_changelist"), reverse("admin:two_factor")]:
        assert client.get(address)["Location"] == reverse("admin:two_factor_sign_in")
    assert enter_code(client, app.now())["Location"] == "/admin/"
    assert client.get(reverse("admin:events_talk_changelist")).status_code == 200


def test_a_superuser_without_an_app_reaches_no_admin_page_before_setting_one_up(root, settings):
    settings.ADMIN_REQUIRE_2FA_FOR_SUPERUSERS = True
    client = FormClient()
    sign_in(client, "root")

    for address in [
        "/admin/",
        reverse("admin:auth_user_changelist"),
        reverse("admin:events_talk_add"),
        reverse("admin:password_change"),
        reverse("admin:portal_email_changelist"),
    ]:
        assert client.get(address)["Location"] == reverse("admin:two_factor"), address
    overview = client.get(reverse("admin:two_factor"))
    assert "Superusers must sign in with two-factor authentication." in overview.content.decode()

    set_up_an_app(client)

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_with_the_requirement_off_a_superuser_may_sign_in_without_an_app(root, settings):
    settings.ADMIN_REQUIRE_2FA_FOR_SUPERUSERS = False
    client = FormClient()
    sign_in(client, "root")

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_an_organiser_is_never_required_to_set_up_an_app(organiser, settings):
    settings.ADMIN_REQUIRE_2FA_FOR_SUPERUSERS = True
    client = FormClient()
    sign_in(client, "olga")

    assert client.get(reverse("admin:events_talk_changelist")).status_code == 200


def test_turning_it_off_takes_the_password(organiser):
    client, app, _codes = signed_in_with_app(organiser)

    wrong = post(client, reverse("admin:two_factor_turn_off"), {"password": "not-my-password"})
    assert wrong.status_code == 400
    assert "This is not your password." in wrong.content.decode()
    assert twofactor.has_second_factor(organiser) is True

    done = post(client, reverse("admin:two_factor_turn_off"), {"password": PASSWORD})
    assert done["Location"] == reverse("admin:two_factor")
    assert twofactor.has_second_factor(organiser) is False
    assert twofactor.recovery_codes(organiser) == []
    post(client, reverse("admin:logout"))
    assert sign_in(client, "olga")["Location"] == "/admin/"


def test_a_superuser_cannot_turn_it_off_while_it_is_required(superuser_client, settings):
    settings.ADMIN_REQUIRE_2FA_FOR_SUPERUSERS = True

    response = post(superuser_client, reverse("admin:two_factor_turn_off"), {"password": "password"})

    assert response["Location"] == reverse("admin:two_factor")
    assert TOTPDevice.objects.filter(user__username="admin").exists()
    assert (
        "Turn two-factor authentication off"
        not in superuser_client.get(reverse("admin:two_factor")).content.decode()
    )


def test_new_recovery_codes_replace_the_old_ones(organiser):
    client, app, codes = signed_in_with_app(organiser)

    post(client, reverse("admin:two_factor_recovery_codes"))

    new = twofactor.recovery_codes(organiser)
    assert len(new) == 10
    assert set(new).isdisjoint(codes)
    post(client, reverse("admin:logout"))
    sign_in(client, "olga")
    assert enter_code(client, codes[1], recovery=True).status_code == 400
    assert enter_code(client, new[1], recovery=True)["Location"] == "/admin/"


def test_every_staff_member_finds_the_page_beside_the_password(organiser_client):
    index = page(organiser_client.get("/admin/"))

    assert index.xpath("//div[@id='user-tools']//a/@href")[:1] == [reverse("admin:two_factor")]
