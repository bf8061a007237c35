"""An attendee signs up in headless Chromium through the real form and lands on the confirmation."""

import datetime as dt
import os

import pytest

from events.models import Signup
from tests.conftest import deliver_outbox
from tests.factories import MADRID, make_office_hours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOIN_URL = "https://meet.example.org/cilium-office-hours-secret"
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")  # set it to look at the pages, e.g. /tmp/shots


def shoot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


SWITCH = "Also show times in my time zone (America/New_York)"


@pytest.fixture
def new_york(chromium):
    """Opens pages of a given width whose visitor sits in New York, six hours behind Valencia in May."""
    contexts = []

    def open_page(width):
        phone = width < 600
        context = chromium.new_context(
            viewport={"width": width, "height": 844 if phone else 900},
            is_mobile=phone,
            has_touch=phone,
            timezone_id="America/New_York",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def fill_in_and_sign_up(page):
    """Ada's name, address, question and consent, typed into the form whose slot is chosen, then sent."""
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email", exact=True).fill("ada@example.org")
    page.get_by_label("Your question or topic").fill("How does Cluster Mesh route between clusters?")
    page.get_by_label("Keep my name, email and question").check()
    page.get_by_role("button", name="Sign up").click()


def open_session():
    start = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)
    return make_office_hours(
        title="Cilium virtual office hours",
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=45),
        join_url=JOIN_URL,
        seats_per_slot=5,
    )


@pytest.mark.parametrize("device", ["page", "phone_page"])
def test_an_attendee_signs_up_through_the_form_and_sees_the_confirmation(request, live_server, device):
    page = request.getfixturevalue(device)
    office_hours = open_session()
    page.goto(f"{live_server.url}/{office_hours.event.slug}/office-hours/")
    shoot(page, f"office-hours-{device}")

    page.get_by_label("12:45–13:00 CEST · 5 seats left of 5").check()
    fill_in_and_sign_up(page)

    page.wait_for_url("**/office-hours/signups/**")
    shoot(page, f"confirmation-{device}")
    assert page.locator("h1").inner_text() == "You are signed up"
    assert "Wednesday 15 May 2030, 12:45–13:00 CEST" in page.locator("main").inner_text()
    assert JOIN_URL not in page.content()
    signup = Signup.objects.get()
    assert (signup.name, signup.status) == ("Ada Lovelace", Signup.Status.CONFIRMED)
    assert [message.to for message in deliver_outbox()] == [["ada@example.org"]]

    page.get_by_role("link", name="Cancel this signup").click()
    shoot(page, f"cancel-{device}")
    assert page.locator("h1").inner_text() == "Cancel your signup?"
    page.get_by_role("button", name="Yes, cancel my signup").click()
    page.wait_for_url(f"**{signup.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Your signup is cancelled"
    assert Signup.objects.get().status == Signup.Status.CANCELLED


def test_the_server_tells_what_is_missing_when_the_browser_lets_the_form_through(live_server, page):
    office_hours = open_session()
    page.goto(f"{live_server.url}/{office_hours.event.slug}/office-hours/")
    # Without the browser's own checks, as an old browser or a script would send it.
    page.locator("form.signup-form").evaluate("form => form.noValidate = true")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_role("button", name="Sign up").click()

    shoot(page, "office-hours-errors-page")
    assert page.get_by_role("alert").inner_text() == "Please correct the fields marked below."
    assert page.get_by_label("Your name").input_value() == "Ada Lovelace"
    assert page.get_by_text("Please give an email address.").is_visible()
    assert page.get_by_text("Please agree, so that we can keep your signup.").is_visible()
    assert Signup.objects.count() == 0


@pytest.mark.parametrize("width", [390, 1280])
def test_the_switch_shows_the_visitors_time_beside_the_session_and_every_slot(new_york, live_server, width):
    page = new_york(width)
    office_hours = open_session()
    page.goto(f"{live_server.url}/{office_hours.event.slug}/office-hours/")
    assert page.locator(".local-time").count() == 0

    page.get_by_role("button", name=SWITCH).click()
    shoot(page, f"office-hours-local-time-{width}")

    # 12:30 in Valencia (CEST, UTC+2) is 06:30 in New York (EDT, UTC-4).
    assert page.locator(".session-meta").inner_text() == (
        "Wednesday 15 May 2030, 12:30–13:15 CEST · Virtual\nWed 15 May, 06:30–07:15 EDT (your time)"
    )
    # Each slot's radio button is named with both times, as a screen reader reads it.
    assert [radio.aria_snapshot() for radio in page.get_by_role("radio").all()] == [
        '- radio "12:30–12:45 CEST · 5 seats left of 5 Wed 15 May, 06:30–06:45 EDT (your time)"',
        '- radio "12:45–13:00 CEST · 5 seats left of 5 Wed 15 May, 06:45–07:00 EDT (your time)"',
        '- radio "13:00–13:15 CEST · 5 seats left of 5 Wed 15 May, 07:00–07:15 EDT (your time)"',
    ]
    assert page.locator(".slot-label").first.inner_text() == (
        "12:30–12:45 CEST · 5 seats left of 5\nWed 15 May, 06:30–06:45 EDT (your time)"
    )
    assert page.locator("p", has_text="Signup closes").inner_text() == (
        "Signup closes Wednesday 15 May, 12:30 CEST.\nWed 15 May, 06:30 EDT (your time)"
    )
    # Nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("button", name=SWITCH).click()

    assert page.locator(".local-time").count() == 0


@pytest.mark.parametrize("width", [390, 1280])
def test_with_the_switch_on_the_confirmation_shows_the_slot_in_the_visitors_time(
    new_york, live_server, width
):
    page = new_york(width)
    office_hours = open_session()
    page.goto(f"{live_server.url}/{office_hours.event.slug}/office-hours/")
    page.get_by_role("button", name=SWITCH).click()

    page.get_by_role("radio", name="12:45–13:00 CEST").check()
    fill_in_and_sign_up(page)
    page.wait_for_url("**/office-hours/signups/**")
    shoot(page, f"confirmation-local-time-{width}")

    assert page.locator(".facts dd").nth(1).inner_text() == (
        "Wednesday 15 May 2030, 12:45–13:00 CEST\nWed 15 May, 06:45–07:00 EDT (your time)"
    )
    assert page.get_by_role("button", name=SWITCH).get_attribute("aria-pressed") == "true"
    assert JOIN_URL not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_switch_turned_on_on_the_schedule_applies_to_office_hours(new_york, live_server, kubecon):
    page = new_york(1280)
    page.goto(f"{live_server.url}/kubecon-eu-2022/schedule/")
    page.get_by_role("button", name=SWITCH).click()

    page.goto(f"{live_server.url}/kubecon-eu-2022/office-hours/")

    assert page.get_by_role("button", name=SWITCH).get_attribute("aria-pressed") == "true"
    assert page.locator(".slot-list li").all_inner_texts() == [
        "12:30–12:45 CEST\nWed 18 May, 06:30–06:45 EDT (your time)",
        "12:45–13:00 CEST\nWed 18 May, 06:45–07:00 EDT (your time)",
        "13:00–13:15 CEST\nWed 18 May, 07:00–07:15 EDT (your time)",
    ]
