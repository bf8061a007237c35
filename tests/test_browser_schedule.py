"""The schedule in headless Chromium: stars and "My schedule", local times, layout, the live view."""

import datetime as dt
import os

import pytest

pytestmark = pytest.mark.browser

SCHEDULE = "/kubecon-eu-2022/schedule/"
IKEA = "IKEA Private Cloud, eBPF Based Networking, Load Balancing, and Observability with Cilium"
SRV6 = "Leveraging Cilium and SRv6 for Telco Networking"
SRV6_SLUG = "leveraging-cilium-and-srv6-for-telco-networking"


@pytest.fixture
def new_york_page(chromium):
    """A desktop page whose visitor sits in New York, six hours behind Valencia in May."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def card(page, title):
    return page.locator("li.talk", has=page.get_by_role("link", name=title, exact=True))


def test_a_starred_talk_is_under_my_schedule_after_a_reload(page, live_server, kubecon):
    page.goto(live_server.url + SCHEDULE)
    my_schedule = page.locator("#my-schedule")
    assert my_schedule.locator(".my-schedule-empty").is_visible()

    page.get_by_role("button", name=f"Star: {SRV6}").click()
    page.reload()

    assert my_schedule.locator("li a").all_inner_texts() == [SRV6]
    assert my_schedule.locator("li .talk-line-when").all_inner_texts() == ["Mon 16 May, 10:50–11:20 CEST"]
    assert page.get_by_role("button", name=f"Starred: {SRV6}").get_attribute("aria-pressed") == "true"
    calendar = page.get_by_role("link", name="Add my starred talks to my calendar (.ics)")
    assert calendar.get_attribute("href") == f"/kubecon-eu-2022/schedule.ics?talks={SRV6_SLUG}"
    subscribe = page.get_by_role("link", name="Subscribe to my starred talks")
    host = live_server.url.split("://", 1)[1]
    assert (
        subscribe.get_attribute("href") == f"webcal://{host}/kubecon-eu-2022/schedule.ics?talks={SRV6_SLUG}"
    )


def test_stars_from_the_talk_page_and_the_schedule_meet_in_my_schedule(page, live_server, kubecon):
    page.goto(live_server.url + f"/kubecon-eu-2022/talks/{SRV6_SLUG}/")
    page.get_by_role("button", name="☆ Star this talk").click()
    page.goto(live_server.url + SCHEDULE)
    page.get_by_role("button", name=f"Star: {IKEA}").click()

    my_schedule = page.locator("#my-schedule")
    assert my_schedule.locator("li a").all_inner_texts() == [IKEA, SRV6]
    href = my_schedule.get_by_role("link", name="Add my starred talks to my calendar (.ics)").get_attribute(
        "href"
    )
    ikea_slug = "ikea-private-cloud-ebpf-based-networking-load-balancing-and-observability-with-cilium"
    assert href == f"/kubecon-eu-2022/schedule.ics?talks={ikea_slug},{SRV6_SLUG}"

    page.get_by_role("button", name=f"Starred: {IKEA}").click()

    assert my_schedule.locator("li a").all_inner_texts() == [SRV6]


def test_the_switch_adds_the_visitors_own_time_and_is_remembered(new_york_page, live_server, kubecon):
    page = new_york_page
    page.goto(live_server.url + SCHEDULE)
    srv6 = card(page, SRV6)
    assert srv6.locator(".local-time").count() == 0

    page.get_by_role("button", name="Also show times in my time zone (America/New_York)").click()

    # 10:50 in Valencia (CEST, UTC+2) is 04:50 in New York (EDT, UTC-4).
    assert srv6.locator(".local-time").inner_text() == "Mon, May 16, 04:50–05:20 EDT (your time)"
    assert srv6.locator(".talk-time").inner_text().startswith("10:50–11:20 CEST")

    page.goto(live_server.url + f"/kubecon-eu-2022/talks/{SRV6_SLUG}/")

    assert page.locator(".facts .local-time").inner_text() == "Mon, May 16, 04:50–05:20 EDT (your time)"


def test_parallel_talks_sit_side_by_side_on_a_wide_screen(page, live_server, kubecon):
    page.goto(live_server.url + SCHEDULE)

    ikea, srv6 = card(page, IKEA).bounding_box(), card(page, SRV6).bounding_box()

    assert ikea["y"] == srv6["y"]
    assert srv6["x"] >= ikea["x"] + ikea["width"]


def test_parallel_talks_stack_in_time_order_on_a_phone_with_the_overlap_shown(
    phone_page, live_server, kubecon
):
    page = phone_page
    page.goto(live_server.url + SCHEDULE)

    ikea, srv6 = card(page, IKEA).bounding_box(), card(page, SRV6).bounding_box()

    assert srv6["y"] >= ikea["y"] + ikea["height"]
    assert ikea["x"] == srv6["x"]
    assert (
        page.locator("#day-2022-05-16 .block-head").inner_text()
        == "2 talks at the same time, 10:45–11:20 CEST"
    )
    assert card(page, SRV6).locator(".span-bar").is_visible()
    # Nothing sticks out sideways at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_while_the_event_is_live_the_schedule_shows_now_and_next(page, live_server, kubecon):
    page.clock.set_fixed_time(dt.datetime(2022, 5, 20, 10, 0, tzinfo=dt.UTC))  # 12:00 in Valencia

    page.goto(live_server.url + SCHEDULE)

    live = page.locator("#live")
    assert live.locator("[data-live-now] a").all_inner_texts() == [
        "Kubernetes Networking 101",
        "Logs Told Us It Was DNS, It Felt Like DNS, It Had To Be DNS, It Wasn’t DNS",
    ]
    assert live.locator("[data-live-next] a").all_inner_texts() == ["Better Bandwidth Management with eBPF"]
    assert page.locator("#day-2022-05-20 .now-line").inner_text() == "Now, 12:00"
    assert page.locator("li.talk.is-live").count() == 2


def test_after_the_event_there_is_no_live_view(page, live_server, kubecon):
    page.clock.set_fixed_time(dt.datetime(2022, 6, 1, 10, 0, tzinfo=dt.UTC))

    page.goto(live_server.url + SCHEDULE)

    assert page.locator("#live").is_hidden()
    assert page.locator(".now-line").count() == 0


def test_without_javascript_the_schedule_and_its_filters_work(chromium, live_server, kubecon):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + SCHEDULE)
        assert page.locator("li.talk").count() == 11
        assert page.locator("#my-schedule").is_hidden()

        page.get_by_role("link", name="Thu 19").click()

        assert page.url == live_server.url + SCHEDULE + "?day=2022-05-19"
        assert page.locator("li.talk h3 a").all_inner_texts() == [
            "Choosing Cloud Native Technologies for the Journey to Multi-cloud",
            "Cilium: Welcome, Vision and Updates",
            "Transparent Live Migration of Services Between Kubernetes Clusters",
        ]
    finally:
        context.close()


@pytest.mark.skipif(not os.environ.get("SCREENSHOT"), reason="set SCREENSHOT=docs/schedule.png to refresh it")
def test_take_the_readme_screenshot(chromium, live_server, kubecon):
    """Refreshes the README's picture of the schedule from the fixture: SCREENSHOT=docs/schedule.png."""
    context = chromium.new_context(
        viewport={"width": 1200, "height": 1150}, device_scale_factor=1, timezone_id="America/New_York"
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + SCHEDULE)
        page.get_by_role("button", name=f"Star: {SRV6}").click()
        page.get_by_role("button", name="Also show times in my time zone (America/New_York)").click()
        page.screenshot(path=os.environ["SCREENSHOT"])
    finally:
        context.close()


def test_my_schedule_says_what_changed_in_a_starred_talk_since_the_last_visit(page, live_server, kubecon):
    page.goto(live_server.url + SCHEDULE)
    page.get_by_role("button", name=f"Star: {SRV6}").click()
    talk = kubecon.talks.get(slug=SRV6_SLUG)
    talk.starts_at += dt.timedelta(days=1, hours=1)
    talk.ends_at += dt.timedelta(days=1, hours=1)
    talk.save()

    page.reload()

    change = page.locator("#my-schedule .my-schedule-change")
    assert change.inner_text() == (
        "Changed since you last looked: moved from Mon 16 May, 10:50–11:20 CEST "
        "to Tue 17 May, 11:50–12:20 CEST. Got it"
    )
    page.locator("#my-schedule").get_by_role("button", name="Got it").click()
    page.reload()
    assert change.count() == 0
    assert page.locator("#my-schedule li .talk-line-when").all_inner_texts() == [
        "Tue 17 May, 11:50–12:20 CEST"
    ]
