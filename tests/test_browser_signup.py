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
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email", exact=True).fill("ada@example.org")
    page.get_by_label("Your question or topic").fill("How does Cluster Mesh route between clusters?")
    page.get_by_label("Keep my name, email and question").check()
    page.get_by_role("button", name="Sign up").click()

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
