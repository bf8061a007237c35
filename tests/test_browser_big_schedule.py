"""A FOSDEM-sized day in headless Chromium: every room a column, a double booking in place, the keyboard's way
past the grid, the time zone chosen without JavaScript, what is on now from another day's page, and no page
that scrolls sideways."""

import datetime as dt

import pytest

from tests.browser import wider_than_the_screen

pytestmark = pytest.mark.browser

SATURDAY = "/fosdem/schedule/?day=2025-02-01"
SUNDAY = "/fosdem/schedule/?day=2025-02-02"


@pytest.fixture(autouse=True)
def patient(request):
    """A day of 500 talks takes a while to render on a shared machine: pages get more time than the default."""
    for name in ("page", "phone_page"):
        if name in request.fixturenames:
            request.getfixturevalue(name).set_default_timeout(60_000)


def box(locator):
    return locator.bounding_box()


def test_every_room_of_a_fosdem_saturday_has_a_column_of_its_own_scrolling_inside_the_grid(
    page, live_server, fosdem
):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url + SATURDAY)

    heads = page.locator(".grid-room")
    assert heads.count() == 29
    assert page.locator(".grid-room").first.inner_text() == "K.1.105 (La Fontaine)"  # by building: K first
    grid = page.locator(".room-grid")
    sizes = grid.evaluate("node => [node.scrollWidth, node.clientWidth]")
    assert sizes[0] > 3 * sizes[1]  # the grid scrolls inside its box ...
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440  # ... and never the page
    # H.1309's talks sit under its name, titles readable: the card at least 150 px wide.
    head = box(page.locator(".grid-room", has_text="H.1309 (Van Rijn)"))
    for card in page.locator("li.talk", has=page.locator(".talk-room", has_text="H.1309")).all()[:6]:
        where = box(card)
        assert head["x"] - 4 <= where["x"] and where["x"] + where["width"] <= head["x"] + head["width"] + 4
        assert where["width"] >= 150
    # A building is a jump away: its link scrolls the grid sideways to its first room.
    page.get_by_role("navigation", name="Buildings on Saturday 1 February").get_by_role(
        "link", name="UD"
    ).click()
    ud = box(page.locator(".grid-room", has_text="UD2.120 (Chavanne)"))
    assert 0 <= ud["x"] < 1440


def test_a_double_booking_sits_side_by_side_in_its_rooms_column(page, live_server, fosdem):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url + SATURDAY + "#r-2025-02-01-h1309-van-rijn")

    clash = page.locator("li.talk.is-clash")
    assert clash.count() == 2
    first, second = box(clash.nth(0)), box(clash.nth(1))
    assert first["y"] == second["y"]
    assert second["x"] >= first["x"] + first["width"]
    head = box(page.locator(".grid-room", has_text="H.1309 (Van Rijn)"))
    assert head["x"] - 4 <= first["x"] and second["x"] + second["width"] <= head["x"] + head["width"] + 4
    assert clash.nth(1).locator(".clash-note").inner_text().startswith("At the same time in this room:")


def test_on_a_phone_a_big_day_is_a_list_under_time_headings_the_first_talk_on_the_first_screen(
    phone_page, live_server, fosdem
):
    phone_page.goto(live_server.url + SATURDAY)

    first = phone_page.locator("li.talk").first
    assert box(first)["y"] + 60 < 812
    assert first.locator(".talk-meta").inner_text() == "K.1.105 (La Fontaine) · K.1.105 devroom"
    assert phone_page.locator(".grid-time").first.inner_text() == "10:30"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_keyboard_skips_a_days_grid_in_one_tab_and_focus_stays_clear_of_the_sticky_names(
    page, live_server, fosdem
):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url + SATURDAY)
    skip = page.locator(".skip-day a").first
    assert (
        skip.inner_text()
        == f"Skip the {fosdem.talks.filter(starts_at__date='2025-02-01').count()} talks of Saturday 1 February"
    )

    skip.focus()
    assert box(skip)["width"] > 50  # shown once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")

    focused = page.evaluate("document.activeElement.closest('.room-grid') === null")
    assert focused
    assert page.evaluate("document.activeElement.textContent") == "Sunday 2 February →"

    # Through the grid, each focused title is in sight: not under the room names or the times.
    page.locator(".room-grid").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        covered = page.evaluate(
            """() => { const a = document.activeElement; if (!a.closest('.grid .talk')) return false;
                 const r = a.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + 4, r.top + 4);
                 return !hit || !a.closest('.talk').contains(hit); }"""
        )
        assert covered is False


def test_a_visitor_without_javascript_reads_the_day_in_their_zone(chromium, live_server, fosdem):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(live_server.url + SATURDAY)
        page.get_by_role("link", name="Another time zone").click()
        page.get_by_label("Time zone").select_option("America/New_York")
        page.get_by_label("instead of the venue's").check()
        page.get_by_role("button", name="Show the times").click()

        assert "tz=America%2FNew_York" in page.url and "day=2025-02-01" in page.url
        assert (
            page.locator(".lead")
            .inner_text()
            .endswith(
                "Times in America/New_York, as you chose; the venue is in Europe/Brussels. Another time zone"
            )
        )
        # 10:30 in Brussels (CET) is 04:30 in New York (EST): the grid's times and the cards alike.
        assert page.locator(".grid-time").first.inner_text() == "04:30"
        assert page.locator("li.talk .talk-time").first.inner_text().startswith("04:30–")
        assert page.locator(".day-zone").first.inner_text().startswith("times in EST")
    finally:
        context.close()


def test_the_chosen_zone_is_remembered_and_shown_beside_the_venues_on_the_next_page(
    page, live_server, fosdem
):
    page.goto(live_server.url + SATURDAY)
    page.get_by_role("link", name="Another time zone").click()
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Show the times").click()

    page.goto(live_server.url + "/fosdem/talks/talk-0/")

    assert page.locator(".facts .local-time").inner_text() == "Sat 1 Feb, 18:30–19:20 GMT+9 (Asia/Tokyo)"


def test_another_days_page_tells_what_runs_now_today_with_a_link_to_today(page, live_server, fosdem):
    page.clock.set_fixed_time(dt.datetime(2025, 2, 1, 13, 2, tzinfo=dt.UTC))  # 14:02 in Brussels, Saturday

    page.goto(live_server.url + SUNDAY)

    live = page.locator("#live")
    live.locator("[data-live-now] a").first.wait_for()
    assert live.locator("[data-live-now]").inner_text() != "No talk right now."
    assert live.locator("[data-live-now] a").count() >= 20
    assert "Sun 2 Feb" not in live.locator("[data-live-next]").inner_text()
    assert live.get_by_role("link", name="Today's schedule").get_attribute("href") == SATURDAY


def test_a_browser_that_prefers_spanish_is_offered_the_spanish_page_in_one_line(
    chromium, live_server, fosdem
):
    context = chromium.new_context(locale="es-ES", viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(live_server.url + SATURDAY)
        offer = page.locator(".language-offer")
        assert offer.inner_text() == "Esta página también está en español. Leer en español · No, gracias"

        offer.get_by_role("button", name="Leer en español").click()

        page.wait_for_url("**/es/fosdem/schedule/**")
        assert page.locator(".language-offer").count() == 0
    finally:
        context.close()


def public_pages(event, talk, speaker, days):
    return [
        f"/{event}/",
        f"/{event}/schedule/",
        *(f"/{event}/schedule/?day={day}" for day in days),
        f"/{event}/schedule/?day=all",
        f"/{event}/schedule/?q=the",
        f"/{event}/time-zone/",
        f"/{event}/my-schedule/?talks={talk}",
        f"/{event}/speakers/",
        f"/{event}/speakers/{speaker}/",
        f"/{event}/talks/{talk}/",
        f"/{event}/schedule/changes/",
        f"/{event}/booth/",
        f"/{event}/office-hours/",
        f"/{event}/embed/",
    ]


def test_no_public_page_of_a_fosdem_sized_event_or_the_600_talk_conference_scrolls_sideways(
    page, live_server, fosdem, synthcon
):
    talk = synthcon.talks.order_by("starts_at").first()
    paths = public_pages("fosdem", "talk-0", "hacker-0", ["2025-02-01", "2025-02-02"]) + public_pages(
        "synthcon", talk.slug, talk.speakers.first().slug, [day.isoformat() for day in synthcon.days()]
    )
    assert wider_than_the_screen(page, live_server.url, paths) == []


def test_a_visitor_without_javascript_follows_two_rooms_at_once(chromium, live_server, fosdem):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(live_server.url + SATURDAY)
        page.get_by_text("Search and filter").click()
        page.get_by_label("H.1309 (Van Rijn)").check()
        page.get_by_label("K.3.201").check()
        page.get_by_role("button", name="Follow these rooms").click()

        assert "room=h1309-van-rijn" in page.url and "room=k3201" in page.url and "day=2025-02-01" in page.url
        assert page.locator(".grid-room").all_inner_texts() == [
            "H.1309 (Van Rijn)",
            "K.3.201",
        ]  # the event's order
        assert (
            page.locator(".followed")
            .inner_text()
            .startswith("Following these rooms: H.1309 (Van Rijn), K.3.201.")
        )
    finally:
        context.close()


def test_after_midnight_a_night_programme_still_shows_what_runs_now_on_its_last_day(page, live_server, db):
    from zoneinfo import ZoneInfo

    from tests.factories import make_event, make_talk

    berlin = ZoneInfo("Europe/Berlin")
    event = make_event(
        slug="night",
        name="Night",
        time_zone="Europe/Berlin",
        start_date=dt.date(2024, 12, 27),
        end_date=dt.date(2024, 12, 27),
        day_change=dt.time(4, 0),
    )
    for title, starts, ends in [
        ("Evening talk", dt.datetime(2024, 12, 27, 20), dt.datetime(2024, 12, 27, 21)),
        ("Night talk", dt.datetime(2024, 12, 28, 0, 15), dt.datetime(2024, 12, 28, 1)),
    ]:
        make_talk(
            event, title=title, starts_at=starts.replace(tzinfo=berlin), ends_at=ends.replace(tzinfo=berlin)
        )
    # 00:30 in Berlin: the calendar says the 28th, the programme still the 27th, its last day.
    page.clock.set_fixed_time(dt.datetime(2024, 12, 28, 0, 30, tzinfo=berlin))

    page.goto(live_server.url + "/night/schedule/")

    live = page.locator("#live")
    live.locator("[data-live-now] a").first.wait_for()
    assert live.locator("[data-live-now] a").all_inner_texts() == ["Night talk"]
