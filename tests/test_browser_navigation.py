"""A big schedule in headless Chromium: the room grid, day tabs, search as you type, jump to now, and no
page that scrolls sideways at any common width."""

import datetime as dt

import pytest

from tests.browser import wider_than_the_screen

pytestmark = pytest.mark.browser

GRID = "/gridcon/schedule/"
KUBECON = "/kubecon-eu-2022"


def boxes(page, selector):
    return [node.bounding_box() for node in page.locator(selector).all()]


def test_on_a_wide_screen_each_room_keeps_its_column_and_a_talk_spans_its_length(page, live_server, gridcon):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url + GRID + "?day=2022-05-17")

    heads = boxes(page, ".grid-room")
    assert page.locator(".grid-room").all_inner_texts() == [f"Hall {letter}" for letter in "ABCDEF"]
    for room in range(6):
        cards = boxes(page, f"li.talk.c-{room + 2}:not(.spans-all)")
        assert len(cards) == 3
        assert all(abs(card["x"] - heads[room]["x"]) <= 4 for card in cards)  # its room's column
    break_card = page.locator("#talk-break-17").bounding_box()
    assert break_card["width"] > 5 * heads[0]["width"]  # the break spans every room
    # The grid fits the page: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440


def test_on_a_phone_a_day_is_a_list_in_time_order_with_the_room_on_each_talk(
    phone_page, live_server, gridcon
):
    phone_page.goto(live_server.url + GRID)

    cards = boxes(phone_page, "li.talk")
    assert [card["y"] for card in cards] == sorted(card["y"] for card in cards)
    assert {round(card["x"]) for card in cards} == {round(cards[0]["x"])}
    assert phone_page.locator("li.talk").first.locator(".talk-meta").inner_text() == "Hall A · Talk"
    # The first talk shows within the first screen, under the tabs and the folded search.
    assert cards[0]["y"] < 812


def test_on_a_phone_every_day_tab_is_in_sight_and_the_time_heading_stays_while_a_long_day_scrolls(
    phone_page, live_server, gridcon
):
    phone_page.goto(live_server.url + GRID)

    # The tabs wrap rather than run off the edge: My schedule and the last day are on the screen.
    for name in ["Mon 16", "Wed 18", "All days", "★ My schedule"]:
        box = phone_page.get_by_role("link", name=name, exact=True).bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 375 and box["y"] < 812
    phone_page.mouse.wheel(0, 1500)
    for _ in range(
        50
    ):  # the page's CSP allows no string evaluated as script, which wait_for_function polls with
        if phone_page.evaluate("window.scrollY") > 1000:
            break
        phone_page.wait_for_timeout(100)
    # What sits at the top of the screen is the heading of the talks scrolled to, not a tab or a card.
    on_top = phone_page.evaluate("() => document.elementFromPoint(30, 8).closest('.grid-time')?.innerText")
    below = phone_page.evaluate(
        "() => [...document.querySelectorAll('li.talk')].find((n) => n.getBoundingClientRect().top > 30)"
        ".querySelector('time').textContent"
    )
    assert on_top is not None and on_top <= below
    phone_page.mouse.wheel(0, -3000)
    phone_page.get_by_role("link", name="Wed 18").click()
    assert phone_page.url.endswith(GRID + "?day=2022-05-18")
    assert phone_page.locator(".extras li").inner_text().endswith("Office hours: Office hours")


def test_the_schedule_narrows_as_you_type_with_the_same_count_as_enter_gives(page, live_server, gridcon):
    page.goto(live_server.url + GRID)
    page.get_by_text("Search and filter").click()
    field = page.get_by_label("Search talks, speakers and rooms")

    field.press_sequentially("speaker 7")

    hint = page.locator("[data-search-hint]")
    hint.filter(has_text="3 talks match").wait_for()
    assert hint.inner_text() == "3 talks match (1 of them on this page). Press Enter to list them."
    assert page.locator("li.talk:visible .talk-title a").all_inner_texts() == [
        "Networking with eBPF, part 16-7"
    ]
    field.press("Enter")
    page.wait_for_url("**/gridcon/schedule/?q=speaker+7")
    assert page.locator(".results h2").inner_text() == "3 talks match “speaker 7”"


def test_jump_to_now_follows_the_visitors_clock_to_the_talk_on_now(page, live_server, kubecon):
    page.clock.set_fixed_time(dt.datetime(2022, 5, 19, 13, 40, tzinfo=dt.UTC))  # 15:40 in Valencia
    page.goto(live_server.url + KUBECON + "/schedule/")

    page.get_by_role("link", name="Jump to now").click()

    assert page.url.endswith("#talk-choosing-cloud-native-technologies-for-the-journey-to-multi-cloud")
    live = page.locator("#talk-choosing-cloud-native-technologies-for-the-journey-to-multi-cloud")
    assert live.evaluate("node => node.classList.contains('is-live')")
    box = live.bounding_box()
    assert 0 <= box["y"] <= 900


def test_the_time_switch_works_on_a_talk_page_reached_from_a_link(chromium, live_server, kubecon):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        page.goto(live_server.url + KUBECON + "/talks/kubernetes-networking-101/")
        page.get_by_role("button", name="Also show times in my time zone (Asia/Tokyo)").click()

        assert page.locator(".facts .local-time").inner_text() == "Fri 20 May, 18:00–19:30 GMT+9 (your time)"
    finally:
        context.close()


PAGES = [
    "/",
    "/gridcon/",
    GRID,
    GRID + "?day=all",
    GRID + "?q=ebpf",
    GRID + "?room=hall-c",
    "/gridcon/my-schedule/?talks=talk-16-0,talk-16-1,talk-17-2",
    "/gridcon/speakers/",
    "/gridcon/speakers/speaker-1/",
    "/gridcon/talks/talk-16-0/",
    "/gridcon/schedule/changes/",
    "/gridcon/office-hours/",
    "/gridcon/booth/",
    KUBECON + "/",
    KUBECON + "/schedule/",
    KUBECON + "/talks/kubernetes-networking-101/",
    KUBECON + "/speakers/",
    KUBECON + "/booth/",
    KUBECON + "/office-hours/",
]


def test_no_public_page_of_either_conference_scrolls_sideways(page, live_server, gridcon, kubecon):
    assert wider_than_the_screen(page, live_server.url, PAGES) == []
