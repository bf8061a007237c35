"""Printing from headless Chromium: a day of a 600-talk conference on one landscape sheet, a talk's page and My
schedule, each without what only works on a screen."""

import pytest

from tests.test_queries import build_conference

pytestmark = pytest.mark.browser

# What only works on a screen; none of it may show on paper.
SCREEN_ONLY = (
    ".site-header, .site-footer, button, .filters, .day-tabs, .day-steps, .js-tools, .downloads, .breadcrumb"
)
# The width a landscape page leaves inside its margins (8 mm each side), in CSS pixels: Letter's is the
# narrower one (11 in), A4's is 281 mm.
LETTER_LANDSCAPE = round((11 * 25.4 - 16) / 25.4 * 96)
A4_LANDSCAPE = round((297 - 16) / 25.4 * 96)


def visible(page, selector):
    return [node for node in page.locator(selector).all() if node.is_visible()]


def sheets(pdf):
    """The number of pages of a PDF that Chromium wrote."""
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


@pytest.fixture
def big_day(db):
    """The 600-talk conference: 120 talks a day in 6 rooms, half-hourly from 09:00 to 19:00."""
    return build_conference(600)


@pytest.mark.parametrize(("paper", "width"), [("A4", A4_LANDSCAPE), ("Letter", LETTER_LANDSCAPE)])
def test_a_day_of_a_600_talk_conference_prints_on_one_landscape_sheet(
    page, live_server, big_day, paper, width
):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + "/big/schedule/?day=2022-05-17")
    page.locator("button.star").first.wait_for()  # the script has added its stars and switch
    assert visible(page, SCREEN_ONLY) != []

    page.emulate_media(media="print")

    assert visible(page, SCREEN_ONLY) == []
    assert page.locator(".grid > .talk").count() == 120
    overflowing = page.evaluate(
        """(width) => [...document.querySelectorAll('.grid > .talk, .grid-room')]
            .filter((node) => node.getBoundingClientRect().right > width + 0.5).length""",
        width,
    )
    assert overflowing == 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    # Readable: titles at 8 pt, times and speakers at 7 pt (1 pt = 4/3 px).
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.grid .talk-title')).fontSize")
        == "10.6667px"
    )
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.grid .talk-speakers')).fontSize")
        == "9.33333px"
    )
    assert sheets(page.pdf(format=paper, landscape=True)) == 1


def test_a_talk_prints_with_its_short_address_and_without_the_screen_s_controls(page, live_server, kubecon):
    page.goto(live_server.url + "/kubecon-eu-2022/talks/kubernetes-networking-101/")
    page.locator("button.star-wide").wait_for()

    page.emulate_media(media="print")

    assert visible(page, SCREEN_ONLY + ", .actions") == []
    address = page.locator(".talk-address")
    assert address.is_visible()
    assert (
        address.inner_text()
        == live_server.url.removeprefix("http://") + "/kubecon-eu-2022/talks/kubernetes-networking-101/"
    )
    assert page.locator(".abstract").is_visible()


def test_my_schedule_prints_alone(page, live_server, kubecon):
    page.goto(
        live_server.url
        + "/kubecon-eu-2022/my-schedule/?talks=kubernetes-networking-101,better-bandwidth-management-with-ebpf"
    )
    page.locator("button.star").first.wait_for()

    page.emulate_media(media="print")

    assert visible(page, SCREEN_ONLY) == []
    printed = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter((node) => node.checkVisibility() && /^H[12]$/.test(node.tagName)).map((node) => node.textContent.trim())"""
    )
    assert printed == ["My schedule", "Friday 20 May"]
    paths = [
        link.evaluate("(node) => getComputedStyle(node, '::after').content")
        for link in page.locator(".my-talks .talk-title a").all()
    ]
    assert paths == [
        '" /kubecon-eu-2022/talks/kubernetes-networking-101/"',
        '" /kubecon-eu-2022/talks/better-bandwidth-management-with-ebpf/"',
    ]
