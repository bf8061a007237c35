"""Offline in the hall, in headless Chromium: after a first visit the kept pages open without a network, say
that they are copies and when they were saved, and what needs the server says so."""

import datetime as dt
import json

import pytest

from events.models import Signup
from tests.browser import first_visit, kept_pages, wait_until_kept
from tests.factories import MADRID, make_office_hours, make_signup

pytestmark = pytest.mark.browser

EVENT = "/kubecon-eu-2022"
SRV6 = "Leveraging Cilium and SRv6 for Telco Networking"
SRV6_SLUG = "leveraging-cilium-and-srv6-for-telco-networking"
NOTE = ".offline-note"


@pytest.fixture
def phone(phone_page):
    """A phone-sized page (tests/browser.py), whose context the test takes offline."""
    return phone_page


def test_after_a_first_visit_the_schedule_and_a_starred_talk_open_offline_saying_so(
    phone, live_server, kubecon
):
    first_visit(phone, live_server.url + f"{EVENT}/schedule/")
    phone.get_by_role("button", name=f"Star: {SRV6}").click()
    talk = live_server.url + f"{EVENT}/talks/{SRV6_SLUG}/"
    wait_until_kept(phone, talk)
    assert phone.locator(NOTE).count() == 0  # online, the page is live

    phone.context.set_offline(True)
    phone.goto(live_server.url + f"{EVENT}/schedule/")

    assert phone.get_by_role("button", name=f"Starred: {SRV6}").is_visible()
    note = phone.locator(NOTE)
    assert note.inner_text().startswith("Offline: this is the copy of this page saved on this device on ")
    assert note.get_attribute("role") == "status"

    phone.goto(talk)  # never opened: kept because it is starred

    assert phone.locator("h1").inner_text() == SRV6
    assert phone.locator(NOTE).is_visible()
    # The stylesheet came from the device too: the page is laid out, not bare HTML.
    assert phone.locator("body").evaluate("body => getComputedStyle(body).margin") == "0px"


def test_my_schedule_and_the_office_hours_open_offline(phone, live_server, kubecon):
    first_visit(phone, live_server.url + f"{EVENT}/talks/{SRV6_SLUG}/")
    phone.get_by_role("button", name="☆ Star this talk").click()
    wait_until_kept(phone, live_server.url + f"{EVENT}/my-schedule/?talks={SRV6_SLUG}")
    wait_until_kept(phone, live_server.url + f"{EVENT}/office-hours/")

    phone.context.set_offline(True)
    phone.goto(live_server.url + f"{EVENT}/my-schedule/")

    phone.wait_for_url(f"**{EVENT}/my-schedule/?talks={SRV6_SLUG}")
    assert phone.locator(".my-talks li.talk h3 a").all_inner_texts() == [SRV6]
    assert phone.locator(NOTE).is_visible()

    phone.goto(live_server.url + f"{EVENT}/office-hours/")

    assert phone.locator("h1").inner_text().startswith("Office hours")
    assert phone.locator(NOTE).is_visible()


def test_back_online_a_page_is_the_servers_again(phone, live_server, kubecon):
    schedule = live_server.url + f"{EVENT}/schedule/"
    first_visit(phone, schedule)
    wait_until_kept(phone, schedule)
    phone.context.set_offline(True)
    phone.goto(schedule)
    assert phone.locator(NOTE).is_visible()

    phone.context.set_offline(False)
    phone.wait_for_function(
        "() => document.querySelector('.offline-note').textContent.includes('back online')"
    )
    phone.get_by_role("link", name="Load the current version of this page").click()

    phone.wait_for_load_state()
    assert phone.locator(NOTE).count() == 0


def test_while_the_portal_is_down_a_kept_page_is_shown_from_the_device(
    phone, live_server, kubecon, monkeypatch
):
    from django.db import OperationalError

    from events import versionwatch

    schedule = live_server.url + f"{EVENT}/schedule/"
    first_visit(phone, schedule)
    wait_until_kept(phone, schedule)

    def database_down(*args, **kwargs):
        raise OperationalError("connection refused")

    # The event is read before any page: the portal answers 503 (portal/errors.py), as with its database down.
    monkeypatch.setattr(versionwatch, "watch", database_down)
    response = phone.goto(schedule)

    assert response.status == 200  # the worker's copy, not the portal's 503
    assert phone.locator("h1").inner_text() == "Schedule"
    assert phone.locator(NOTE).is_visible()


@pytest.mark.django_db(transaction=True)
def test_signing_up_offline_says_it_needs_a_connection_and_keeps_what_was_typed(phone, live_server):
    start = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)
    session = make_office_hours(starts_at=start, ends_at=start + dt.timedelta(minutes=45))
    office_hours = live_server.url + f"/{session.event.slug}/office-hours/"
    first_visit(phone, office_hours)
    wait_until_kept(phone, office_hours)
    phone.context.set_offline(True)
    phone.goto(office_hours)

    phone.get_by_label("12:45–13:00 CEST · 5 seats left of 5").check()
    phone.get_by_label("Your name").fill("Ada Lovelace")
    phone.get_by_label("Email", exact=True).fill("ada@example.org")
    phone.get_by_label("Your question or topic").fill("How does Cluster Mesh route between clusters?")
    phone.get_by_label("Keep my name, email and question").check()
    phone.get_by_role("button", name="Sign up").click()

    alert = phone.get_by_role("alert")
    assert "this needs a connection: nothing was sent" in alert.inner_text()
    assert phone.get_by_label("Your name").input_value() == "Ada Lovelace"
    assert Signup.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_form_sent_without_a_connection_gets_the_offline_page_not_an_error(phone, live_server):
    start = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)
    session = make_office_hours(starts_at=start, ends_at=start + dt.timedelta(minutes=45))
    first_visit(phone, live_server.url + f"/{session.event.slug}/office-hours/")
    phone.context.set_offline(True)

    # form.submit() skips the page's own check, as when the phone believes it is online.
    with phone.expect_navigation() as sent:
        phone.locator("form.signup-form").evaluate("form => form.submit()")

    assert sent.value.status == 503
    assert phone.locator("h1").inner_text() == "You are offline"
    assert phone.get_by_text("This needs a connection:").is_visible()


@pytest.mark.django_db(transaction=True)
def test_a_signups_own_page_is_never_kept_on_the_device(phone, live_server):
    start = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)
    signup = make_signup(make_office_hours(starts_at=start, ends_at=start + dt.timedelta(minutes=45)))
    first_visit(phone, live_server.url + f"/{signup.office_hours.event.slug}/office-hours/")
    phone.goto(live_server.url + signup.get_absolute_url())
    phone.goto(live_server.url + signup.get_absolute_url() + "cancel/")
    wait_until_kept(phone, live_server.url + f"/{signup.office_hours.event.slug}/office-hours/")

    kept = kept_pages(phone)

    assert signup.token not in json.dumps(kept)
    phone.context.set_offline(True)
    phone.goto(live_server.url + signup.get_absolute_url())
    assert phone.locator("h1").inner_text() == "You are offline"


def test_the_manifest_and_its_icons_load_in_the_browser(page, live_server, kubecon):
    page.goto(live_server.url + f"{EVENT}/")
    href = page.locator("link[rel=manifest]").get_attribute("href")

    manifest = page.evaluate("async (href) => (await fetch(href)).json()", href)

    for icon in manifest["icons"]:
        loaded = page.evaluate(
            """async (src) => {
                const image = new Image();
                image.src = src;
                await image.decode();
                return [image.naturalWidth, image.naturalHeight];
            }""",
            icon["src"],
        )
        if icon["sizes"] != "any":
            assert "x".join(map(str, loaded)) == icon["sizes"]
        else:
            assert loaded[0] > 0
