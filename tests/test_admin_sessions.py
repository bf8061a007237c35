"""Admin sessions end when idle and when their password changes; staff passwords have at least 12 characters,
in the admin's forms and in the commands that set them."""

import io
import time
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.conftest import ORGANISER_PASSWORD as PASSWORD
from tests.conftest import FormClient, sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_passwords")]


def signed_in(password=PASSWORD):
    client = FormClient()
    response = client.post(
        reverse("admin:login"), {"username": "olga", "password": password, "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    return client


def minutes_later(minutes):
    return mock.patch("portal.accounts.time.time", return_value=time.time() + minutes * 60)


# Idle sessions


def test_an_idle_admin_session_ends_after_the_settings_minutes(organiser, settings):
    settings.ADMIN_SESSION_IDLE_MINUTES = 30
    client = signed_in()
    assert client.get("/admin/").status_code == 200

    with minutes_later(31):
        response = client.get(reverse("admin:events_talk_changelist"))

    assert response["Location"].startswith(reverse("admin:login"))
    login_page = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in login_page.content.decode()
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))  # for good, not for a page


def test_each_admin_page_keeps_the_session_alive(organiser, settings):
    settings.ADMIN_SESSION_IDLE_MINUTES = 30
    client = signed_in()
    client.get("/admin/")

    for minutes in (20, 40, 60, 80):
        with minutes_later(minutes):
            assert client.get("/admin/").status_code == 200, minutes


def test_an_idle_session_of_a_superuser_with_an_app_ends_too(admin_user, settings):
    settings.ADMIN_SESSION_IDLE_MINUTES = 60
    client = FormClient()
    sign_in_with_second_factor(client, admin_user)
    assert client.get("/admin/").status_code == 200

    with minutes_later(61):
        assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))


# Password changes end the other sessions


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(organiser):
    laptop, phone = signed_in(), signed_in()
    assert phone.get("/admin/").status_code == 200

    changed = laptop.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-password-2026",
            "new_password2": "a-new-long-password-2026",
        },
    )

    assert changed["Location"] == reverse("admin:password_change_done")
    assert laptop.get("/admin/").status_code == 200
    assert phone.get("/admin/")["Location"].startswith(reverse("admin:login"))


def test_a_superuser_setting_an_organisers_password_ends_the_organisers_sessions(organiser, superuser_client):
    browser = signed_in()

    changed = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[organiser.pk]),
        {
            "password1": "a-new-long-password-2026",
            "password2": "a-new-long-password-2026",
            "usable_password": "true",
        },
    )

    assert changed["Location"] == reverse("admin:auth_user_change", args=[organiser.pk])
    assert browser.get("/admin/")["Location"].startswith(reverse("admin:login"))


def test_the_changepassword_command_ends_the_users_sessions(organiser):
    browser = signed_in()

    with mock.patch("getpass.getpass", return_value="a-new-long-password-2026"):
        call_command("changepassword", "olga", stdout=io.StringIO())

    assert browser.get("/admin/")["Location"].startswith(reverse("admin:login"))


# Staff passwords


def test_vera2026_is_refused_for_a_staff_account_and_says_why(organiser):
    with pytest.raises(ValidationError) as refused:
        validate_password("vera2026", organiser)

    assert refused.value.messages == [
        "This password is too short: staff accounts need at least 12 characters."
    ]


def test_an_account_that_is_not_staff_keeps_djangos_eight_characters(db):
    attendee = User.objects.create_user("ada", password="x" * 20)

    validate_password("vera2026", attendee)
    with pytest.raises(ValidationError):
        validate_password("vera202", attendee)


def test_the_admins_password_form_refuses_vera2026_and_says_so_beforehand(organiser):
    client = signed_in()

    form = client.get(reverse("admin:password_change"))
    refused = client.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": "vera2026", "new_password2": "vera2026"},
    )

    rule = "Staff accounts (organisers and superusers) need a password of at least 12 characters."
    assert rule in form.content.decode()
    assert refused.status_code == 200
    assert "staff accounts need at least 12 characters" in refused.content.decode()
    assert User.objects.get(pk=organiser.pk).check_password(PASSWORD)


def test_adding_a_user_in_the_admin_refuses_a_short_password(superuser_client):
    add = reverse("admin:auth_user_add")

    form = superuser_client.get(add)
    refused = superuser_client.post(
        add,
        {"username": "vera", "password1": "vera2026", "password2": "vera2026", "usable_password": "true"},
    )

    assert "at least 12 characters" in form.content.decode()
    assert "staff accounts need at least 12 characters" in refused.content.decode()
    assert not User.objects.filter(username="vera").exists()


def test_setting_an_organisers_password_in_the_admin_refuses_a_short_one(organiser, superuser_client):
    refused = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[organiser.pk]),
        {"password1": "vera2026", "password2": "vera2026", "usable_password": "true"},
    )

    assert "staff accounts need at least 12 characters" in refused.content.decode()
    assert User.objects.get(pk=organiser.pk).check_password(PASSWORD)


def test_changepassword_refuses_vera2026_for_a_staff_account(organiser):
    errors = io.StringIO()

    with mock.patch("getpass.getpass", return_value="vera2026"), pytest.raises(CommandError):
        call_command("changepassword", "olga", stdout=io.StringIO(), stderr=errors)

    assert "staff accounts need at least 12 characters" in errors.getvalue()
    assert User.objects.get(pk=organiser.pk).check_password(PASSWORD)


class Terminal(io.StringIO):
    """Standard input as a person at a terminal has it: createsuperuser asks questions only then."""

    def isatty(self):
        return True


def test_createsuperuser_refuses_vera2026_and_asks_again(db):
    errors = io.StringIO()
    passwords = iter(["vera2026", "vera2026", "a-long-enough-password", "a-long-enough-password"])
    answers = iter(["vera", "vera@example.org", "n"])  # username, email, "bypass validation?": no

    with (
        mock.patch("getpass.getpass", side_effect=lambda prompt="": next(passwords)),
        mock.patch("builtins.input", side_effect=lambda prompt="": next(answers)),
    ):
        call_command(
            "createsuperuser", interactive=True, stdin=Terminal(), stdout=io.StringIO(), stderr=errors
        )

    assert "staff accounts need at least 12 characters" in errors.getvalue()
    assert User.objects.get(username="vera").check_password("a-long-enough-password")


def test_the_rule_is_among_the_password_help_texts():
    assert "Staff accounts (organisers and superusers) need a password of at least 12 characters." in (
        password_validators_help_texts()
    )
