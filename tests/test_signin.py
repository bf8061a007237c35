"""The brake on guessing at the admin's sign-in: per account across addresses and concurrent requests, per address
with growing delays that never keep out an organiser who types the right password, the same for usernames that
belong to nobody."""

import time

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_login_failed

from tests.conftest import ORGANISER_PASSWORD as OLGA_PASSWORD
from tests.conftest import FormClient
from tests.races import race, run_together

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]

ROOT_PASSWORD = "the-superusers-right-password"
LOGIN = "/admin/login/"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.org", ROOT_PASSWORD)


@pytest.fixture
def checks():
    """Every password the sign-in checked, as (username, right or wrong)."""
    checked = []

    def failed(sender, credentials, **kwargs):
        checked.append((credentials.get("username"), "wrong"))

    def signed_in(sender, user, **kwargs):
        checked.append((user.get_username(), "right"))

    user_login_failed.connect(failed, dispatch_uid="test-checks-failed")
    user_logged_in.connect(signed_in, dispatch_uid="test-checks-right")
    yield checked
    user_login_failed.disconnect(dispatch_uid="test-checks-failed")
    user_logged_in.disconnect(dispatch_uid="test-checks-right")


def sign_in(username, password, address="203.0.113.7", client=None):
    """A browser at `address` posting the sign-in form."""
    client = client or FormClient()
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def test_guesses_at_one_account_from_ten_addresses_get_five_checks(root, checks):
    statuses = [sign_in("root", f"guess-{n}", address=f"198.51.100.{n % 10}").status_code for n in range(50)]

    assert checks == [("root", "wrong")] * 5
    assert statuses == [200] * 5 + [429] * 45
    assert sign_in("root", ROOT_PASSWORD, address="192.0.2.200").status_code == 429  # not even the right one


def test_another_staff_members_sign_in_does_not_reset_the_guessed_accounts_count(root, organiser, checks):
    for n in range(20):
        sign_in("root", f"guess-{n}")
        assert sign_in("olga", OLGA_PASSWORD).status_code == 302

    assert [check for check in checks if check[0] == "root"] == [("root", "wrong")] * 5


def test_a_right_password_resets_only_its_own_accounts_count(root, organiser, settings):
    settings.ADMIN_LOGIN_MAX_FAILURES = 3
    addresses = iter(
        f"198.51.100.{n}" for n in range(20)
    )  # each attempt from elsewhere: accounts alone count
    sign_in("root", "wrong", next(addresses))
    sign_in("root", "wrong", next(addresses))
    sign_in("olga", "wrong", next(addresses))
    sign_in("olga", "wrong", next(addresses))

    assert sign_in("olga", OLGA_PASSWORD, next(addresses)).status_code == 302
    assert sign_in("olga", "wrong", next(addresses)).status_code == 200  # organiser counts from one again
    assert sign_in("olga", "wrong", next(addresses)).status_code == 200
    assert sign_in("olga", OLGA_PASSWORD, next(addresses)).status_code == 302
    assert sign_in("root", "wrong", next(addresses)).status_code == 200  # root's third
    assert sign_in("root", ROOT_PASSWORD, next(addresses)).status_code == 429


def test_a_paused_account_says_how_many_minutes_and_when_to_try_again(root, settings):
    for _n in range(5):
        sign_in("root", "wrong")

    paused = sign_in("root", ROOT_PASSWORD)

    assert paused.status_code == 429
    assert "Too many failed sign-in attempts for this account" in paused.content.decode()
    assert "try again in 15 minutes" in paused.content.decode()
    assert settings.ADMIN_LOGIN_LOCKOUT_SECONDS - 60 < int(paused["Retry-After"]) <= 900


def test_the_pause_ends_with_the_window(root, settings):
    from portal.models import Counter

    for _n in range(6):
        sign_in("root", "wrong")
    assert sign_in("root", ROOT_PASSWORD).status_code == 429

    Counter.objects.filter(key__startswith="admin-password:account:").update(expires_at="2000-01-01T00:00Z")

    assert sign_in("root", ROOT_PASSWORD).status_code == 302


def test_case_and_spaces_in_the_username_share_the_accounts_count(root, checks):
    for username in ["root", "Root", " ROOT ", "root", "rOOt", "Root", "root"]:
        sign_in(username, "wrong")

    assert len(checks) == 5


def test_usernames_of_nobody_are_braked_and_answered_as_accounts_are(root, checks):
    known = [sign_in("root", f"guess-{n}") for n in range(7)]
    unknown = [sign_in("nobody-here", f"guess-{n}", address="192.0.2.50") for n in range(7)]

    assert [r.status_code for r in unknown] == [r.status_code for r in known] == [200] * 5 + [429] * 2
    assert [check for check in checks if check[0] == "nobody-here"] == [("nobody-here", "wrong")] * 5
    assert error_text(unknown[0]) == error_text(known[0])
    assert unknown[-1].content.decode() == known[-1].content.decode()
    assert unknown[-1]["Retry-After"] == known[-1]["Retry-After"]


def error_text(response):
    from lxml import html

    return [
        p.text_content().strip() for p in html.fromstring(response.content).xpath("//p[@class='errornote']")
    ]


def test_mistypes_at_a_venue_address_do_not_keep_out_an_organiser_with_the_right_password(
    root, organiser, checks
):
    venue = "192.0.2.10"
    for name in ["ana", "ben", "root", "chen", "dara"]:
        sign_in(name, "mistyped", address=venue)

    assert sign_in("olga", OLGA_PASSWORD, address=venue).status_code == 302
    assert ("olga", "right") in checks


def seconds_pass(address):
    """The wait an address was given has passed."""
    from portal.models import Counter

    Counter.objects.filter(key=f"admin-password:address:{address}:wait").update(
        expires_at="2000-01-01T00:00Z"
    )


def test_an_address_full_of_guesses_keeps_an_organiser_waiting_a_minute_at_most(root, organiser):
    venue = "192.0.2.10"
    for n in range(20):
        assert sign_in(f"someone-{n}", "wrong", address=venue).status_code == 200
        seconds_pass(venue)
    assert sign_in("someone-else", "wrong", address=venue).status_code == 200

    waiting = sign_in("olga", OLGA_PASSWORD, address=venue)
    assert waiting.status_code == 429
    assert waiting["Retry-After"] == "60"

    seconds_pass(venue)
    assert sign_in("olga", OLGA_PASSWORD, address=venue).status_code == 302


def test_after_its_failures_an_address_waits_longer_before_each_attempt(root, organiser):
    venue = "192.0.2.10"
    for n in range(5):  # free: a hall of organisers mistypes now and then
        assert sign_in(f"someone-{n}", "wrong", address=venue).status_code == 200
    assert sign_in("someone-5", "wrong", address=venue).status_code == 200  # waits 1 s after it

    waiting = sign_in("olga", OLGA_PASSWORD, address=venue)

    assert waiting.status_code == 429
    assert waiting["Retry-After"] == "1"
    assert "from your network. Wait 1 second, then try again." in " ".join(waiting.content.decode().split())
    assert sign_in("olga", OLGA_PASSWORD, address="198.51.100.1").status_code == 302  # elsewhere: at once

    seconds_pass(venue)
    assert sign_in("someone-6", "wrong", address=venue).status_code == 200
    assert sign_in("olga", OLGA_PASSWORD, address=venue)["Retry-After"] == "2"  # twice as long after the next


def test_an_empty_form_is_not_counted(root, checks):
    for _n in range(10):
        assert sign_in("root", "").status_code == 200

    assert checks == []
    assert sign_in("root", ROOT_PASSWORD).status_code == 302


@race
def test_a_hundred_guesses_at_once_from_ten_addresses_get_five_checks(root, checks):
    # A staff account of its own: a test that commits finds no Organisers group (an earlier one emptied the
    # database of what the migrations made), and signing in needs none.
    User.objects.create_user("olga", "olga@example.org", OLGA_PASSWORD, is_staff=True)
    statuses = []

    def guesses(thread):
        # 25 browsers at once, four guesses each: a hundred, from ten addresses.
        client = FormClient()
        for n in range(4):
            address = f"198.51.100.{(thread + n) % 10}"
            statuses.append(
                sign_in("root", f"guess-{thread}-{n}", address=address, client=client).status_code
            )

    errors = run_together([lambda thread=thread: guesses(thread) for thread in range(25)])

    assert errors == []
    assert sorted(statuses) == [200] * 5 + [429] * 95
    assert checks == [("root", "wrong")] * 5
    for n in range(10):
        # An organiser at any of these addresses gets in, after at most the second one address may wait.
        response = sign_in("olga", OLGA_PASSWORD, address=f"198.51.100.{n}")
        if response.status_code == 429:
            assert response["Retry-After"] == "1"
            time.sleep(1)
            response = sign_in("olga", OLGA_PASSWORD, address=f"198.51.100.{n}")
        assert response.status_code == 302, n
