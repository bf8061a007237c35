"""The portal in Spanish and German, in headless Chromium: switching without JavaScript and staying in the
language, the schedule's and talk pages' scripts speaking it, and the office hours signed up for in it."""

import datetime as dt
import gettext as gettext_module

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from events import times
from events.models import Signup
from tests.browser import first_visit, wait_until_kept
from tests.conftest import deliver_outbox
from tests.factories import MADRID, make_office_hours

pytestmark = pytest.mark.browser

EVENT = "/kubecon-eu-2022"
SRV6 = "Leveraging Cilium and SRv6 for Telco Networking"
SRV6_SLUG = "leveraging-cilium-and-srv6-for-telco-networking"


def say(code, message):
    """`message` as the portal says it in language `code`; never the English words, so the test shows the
    page is translated, not just that the test's English matches the page's."""
    with translation.override(code):
        words = gettext(message)
    assert words != message or code == "en", f"{code} has no translation of {message!r}"
    return words


def say_in_script(code, message):
    """`message` as static/js/portal.js says it in language `code` (the djangojs catalogue)."""
    catalogue = gettext_module.translation("djangojs", settings.LOCALE_PATHS[0], languages=[code])
    words = catalogue.gettext(message)
    assert words != message, f"{code} has no translation of {message!r} for the script"
    return words


@pytest.fixture
def no_script_phone(chromium):
    context = chromium.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_without_javascript_a_visitor_switches_to_german_and_stays_in_it(
    no_script_phone, live_server, kubecon
):
    page = no_script_phone
    page.goto(live_server.url + f"{EVENT}/schedule/?day=2022-05-18")

    page.get_by_role("button", name="Deutsch").click()

    page.wait_for_url(f"**/de{EVENT}/schedule/?day=2022-05-18")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").inner_text() == say("de", "Schedule")
    assert page.get_by_role("button", name="Deutsch").get_attribute("aria-current") == "true"
    # The talks are shown as the organisers wrote them; the day is written the German way.
    assert "Mittwoch, 18. Mai" in page.locator("main").inner_text()

    # A link to an English address, followed later, opens the German page.
    page.goto(live_server.url + f"{EVENT}/office-hours/")
    assert page.url == live_server.url + f"/de{EVENT}/office-hours/"
    assert page.locator("h1").inner_text() == say("de", "Office hours")

    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"**{EVENT}/office-hours/")
    assert page.url == live_server.url + f"{EVENT}/office-hours/"
    assert page.locator("h1").inner_text() == "Office hours"


@pytest.mark.parametrize("code", ["es", "de"])
def test_the_schedules_script_speaks_the_pages_language(page, live_server, kubecon, code):
    page.goto(live_server.url + f"/{code}{EVENT}/schedule/?day=2022-05-16")
    star = say_in_script(code, "Star: %(title)s") % {"title": SRV6}
    starred = say_in_script(code, "Starred: %(title)s") % {"title": SRV6}

    page.get_by_role("button", name=star, exact=True).click()

    assert page.get_by_role("button", name=starred, exact=True).is_visible()
    assert page.locator("a.my-schedule-link").first.inner_text() == say_in_script(
        code, "★ My schedule (%(count)s)"
    ) % {"count": 1}
    switch = page.locator("[data-local-time-toggle]")
    assert (
        say_in_script(code, "Also show times in my time zone (%(zone)s)").split("(")[0].strip()
        in switch.inner_text()
    )


@pytest.mark.parametrize("code", ["es", "de"])
def test_an_attendee_signs_up_for_office_hours_in_their_language(phone_page, live_server, code):
    start = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)
    office_hours = make_office_hours(
        title="Cilium virtual office hours",
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=45),
        join_url="https://meet.example.org/cilium",
        seats_per_slot=5,
    )
    page = phone_page
    page.goto(f"{live_server.url}/{code}/{office_hours.event.slug}/office-hours/")
    assert page.locator("h1").inner_text() == say(code, "Office hours")

    page.locator("input[name='slot']").nth(1).check()
    page.get_by_label(say(code, "Your name")).fill("Ada Lovelace")
    page.get_by_label(say(code, "Email"), exact=True).fill("ada@example.org")
    page.get_by_label(say(code, "Your question or topic")).fill("¿Cómo enruta Cluster Mesh? Wie routet es?")
    page.locator("input[name='consent']").check()
    page.get_by_role("button", name=say(code, "Sign up")).click()

    page.wait_for_url(f"**/{code}/{office_hours.event.slug}/office-hours/signups/**")
    assert page.locator("h1").inner_text() == say(code, "You are signed up")
    with translation.override(code):
        slot = start + dt.timedelta(minutes=15)
        day = times.local_date(slot, "l j F Y")
    main = page.locator("main").inner_text()
    # The day in the language's words, the time as the venue's clock shows it, labelled with its zone.
    assert day in main and "12:45–13:00 CEST" in main
    signup = Signup.objects.get()
    assert (signup.name, signup.status, signup.language) == ("Ada Lovelace", Signup.Status.CONFIRMED, code)

    [message] = deliver_outbox()
    assert day in message.body and "12:45" in message.body
    assert f"/{code}/{office_hours.event.slug}/office-hours/signups/" in message.body


def test_offline_an_english_address_opens_the_saved_page_in_the_chosen_language(
    phone_page, live_server, kubecon
):
    page = phone_page
    first_visit(page, live_server.url + f"{EVENT}/booth/")
    page.get_by_role("button", name="Español").click()
    page.wait_for_url(f"**/es{EVENT}/booth/")
    # The Spanish page asks the worker to keep the event's pages in Spanish, and says which language was chosen.
    wait_until_kept(page, live_server.url + f"/es{EVENT}/booth/")

    page.context.set_offline(True)
    page.goto(live_server.url + f"{EVENT}/booth/")

    assert page.locator("h1").inner_text() == say("es", "Booth")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator(".offline-note").is_visible()

    # Switching language needs the server: the switcher says so instead of failing.
    page.get_by_role("button", name="Deutsch").click()
    assert page.locator(".language-switch .offline-form-note").inner_text() == say_in_script(
        "es", "Changing the language needs a connection: try again once you are back online."
    )
