"""The organisers' admin in Chromium: lists fit beside the sidebar, a phone keeps a talk's title, time and status,
no form carries Django's note about the server's time, and the import page filters and ticks as one types (and
without JavaScript)."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User

from events.exchange import reading
from events.models import Talk
from tests.factories import make_event, make_room, make_speaker, make_talk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-organiser-password"


@pytest.fixture
def two_events_with_talks():
    valencia = make_event(name="KubeCon + CloudNativeCon Europe 2022", time_zone="Europe/Madrid")
    detroit = make_event(
        name="KubeCon + CloudNativeCon North America 2022",
        time_zone="America/Detroit",
        start_date=dt.date(2022, 10, 24),
        end_date=dt.date(2022, 10, 28),
    )
    for event in (valencia, detroit):
        room = make_room(event, name="Huntington Place, Room 282 and the long corridor")
        for n in range(3):
            make_talk(
                event,
                title=f"Cilium Service Mesh in production {n}: what we learned from two years of running it at scale",
                room=room,
                speakers=[
                    make_speaker(name="Speaker with a long name"),
                    make_speaker(name="Another speaker"),
                ],
            )
    return valencia, detroit


def sign_in(page, live_server):
    # A test that commits leaves an emptied database behind, without the group its migration made: made again here.
    group, _created = Group.objects.get_or_create(name="Organisers")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="events"))
    user = User.objects.create_user("olga", "olga@example.org", PASSWORD, is_staff=True)
    user.groups.add(group)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def overflow(page):
    """How many pixels the list's table sticks out of its box (sideways scrolling)."""
    return page.evaluate(
        "(() => { const box = document.querySelector('#changelist .results');"
        " return box.scrollWidth - box.clientWidth; })()"
    )


@pytest.mark.parametrize("width", [1280, 1440])
def test_the_talk_list_fits_beside_the_sidebar(chromium, live_server, two_events_with_talks, width):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server)

    page.goto(live_server.url + "/admin/events/talk/")

    assert overflow(page) == 0
    for column in ("title_and_event", "local_time", "room_name", "status", "speaker_names"):
        assert page.locator(f"#result_list th.column-{column}").is_visible(), column
    context.close()


def test_on_a_phone_the_talk_list_shows_title_time_and_status(phone_page, live_server, two_events_with_talks):
    sign_in(phone_page, live_server)

    phone_page.goto(live_server.url + "/admin/events/talk/")

    assert overflow(phone_page) == 0
    visible = {
        column: phone_page.locator(f"#result_list th.column-{column}").is_visible()
        for column in ("title_and_event", "local_time", "status", "room_name", "speaker_names")
    }
    assert visible == {
        "title_and_event": True,
        "local_time": True,
        "status": True,
        "room_name": False,
        "speaker_names": False,
    }


@pytest.mark.parametrize(
    "path", ["/admin/events/talk/add/?event={detroit}", "/admin/events/event/{detroit}/change/"]
)
def test_no_form_says_how_far_the_browser_is_from_server_time(
    chromium, live_server, two_events_with_talks, path
):
    # A browser far from both the server (UTC) and the event is where Django's note would show.
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Asia/Tokyo")
    page = context.new_page()
    sign_in(page, live_server)

    page.goto(live_server.url + path.format(detroit=two_events_with_talks[1].pk))

    assert (
        page.get_by_text("server time").count() == 0 or not page.get_by_text("server time").first.is_visible()
    )
    if "talk" in path:
        assert page.get_by_text(
            "Read and shown in America/Detroit time: EDT, UTC-04:00 on Mon 24 Oct 2022."
        ).first.is_visible()
    context.close()


# The import page: filtering and ticking as one types, and the same without JavaScript ----------------------

PROGRAMME = Path(__file__).parent / "data" / "sched-programme.ics"
TITLES = [
    "Cilium Mesh: Networking Across Clusters",
    "eBPF for Observability at Scale",
    "Service Mesh Without Sidecars",
    "Running Kubernetes Networking in the Wild: a User Panel",
]


def open_programme(page, live_server, event):
    page.goto(f"{live_server.url}/admin/events/event/{event.pk}/import-talks/")
    page.set_input_files("#id_file", str(PROGRAMME))
    page.click("input[type=submit][value='Show the talks']")
    page.wait_for_selector("table.found-talks")


def shown_rows(page):
    """(ticked, title) of each row of talks found that is visible on the screen."""
    return [
        (row.locator("input[name=talks]").is_checked(), row.locator("label").inner_text())
        for row in page.locator("table.found-talks tbody tr").all()
        if row.is_visible()
    ]


def count_line(page):
    return page.locator(".found-count").inner_text()


def test_the_import_page_filters_and_ticks_as_one_types_without_sending_anything(page, live_server):
    event = make_event(slug="kubecon", name="KubeCon EU 2022")
    sign_in(page, live_server)
    open_programme(page, live_server, event)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    assert shown_rows(page) == [(False, title) for title in TITLES]
    assert count_line(page) == "Shown: 4 of 4. Ticked: 0."

    page.fill("#id_match", "CÍLIUM")
    assert shown_rows(page) == [(False, TITLES[0]), (False, TITLES[2])]  # “Cilium's” in the abstract
    page.press("#id_match", "Enter")  # the Filter button, the form's first: filters here, sends nothing
    page.click("button[data-select=all]")
    assert shown_rows(page) == [(True, TITLES[0]), (True, TITLES[2])]
    assert count_line(page) == "Shown: 2 of 4. Ticked: 2."

    page.fill("#id_match", "Ciliu")
    assert shown_rows(page) == []
    assert page.get_by_text("No talk has these words in its title, abstract or speakers.").is_visible()

    page.fill("#id_match", '"service mesh" Acme')
    assert shown_rows(page) == [(True, TITLES[2]), (False, TITLES[3])]
    page.locator("table.found-talks tbody tr", has_text=TITLES[2]).locator("input").uncheck()
    assert count_line(page) == "Shown: 2 of 4. Ticked: 1."
    page.click("button[data-select=none]")
    page.fill("#id_match", "")
    assert shown_rows(page) == [(False, title) for title in TITLES]
    assert posts == []

    page.locator("table.found-talks tbody tr", has_text=TITLES[1]).locator("input").check()
    page.click("input[name=_import]")
    page.wait_for_url("**/admin/events/talk/**")

    assert list(event.talks.values_list("title", "status")) == [(TITLES[1], Talk.Status.DRAFT)]


@pytest.mark.parametrize(
    "query",
    ["cilium", "Rüst", "mesh", '"service mesh"', "„Service Mesh“", "ana acme", "Ana-Sample", "scale,"],
)
def test_the_filter_as_one_types_finds_what_the_server_finds(page, live_server, query):
    event = make_event(slug="kubecon", name="KubeCon EU 2022")
    found = reading.read_programme(PROGRAMME.read_bytes(), tz=event.tzinfo).talks
    sign_in(page, live_server)
    open_programme(page, live_server, event)

    page.fill("#id_match", query)

    assert [title for _ticked, title in shown_rows(page)] == [
        talk.title for talk in found if talk.matches(query)
    ]


def test_the_import_page_works_without_javascript_on_a_phone(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = context.new_page()
    event = make_event(slug="kubecon", name="KubeCon EU 2022")
    sign_in(page, live_server)
    open_programme(page, live_server, event)

    page.fill("#id_match", "cilium")
    page.click("button[name=_filter]")
    page.wait_for_load_state()
    assert shown_rows(page) == [(True, TITLES[0]), (True, TITLES[2])]  # what a filter finds starts ticked
    assert count_line(page) == "Shown: 2 of 4. Ticked: 2."

    page.click("button[name=_select_none]")
    page.wait_for_load_state()
    assert shown_rows(page) == [(False, TITLES[0]), (False, TITLES[2])]

    page.fill("#id_match", "panel")
    page.click("button[name=_filter]")
    page.wait_for_load_state()
    page.click("button[name=_select_all]")
    page.wait_for_load_state()
    assert shown_rows(page) == [(True, TITLES[3])]
    assert count_line(page) == "Shown: 1 of 4. Ticked: 1."

    page.check("#id_publish")
    page.click("input[name=_import]")
    page.wait_for_url("**/admin/events/talk/**")

    assert list(event.talks.values_list("title", "status")) == [(TITLES[3], Talk.Status.PUBLISHED)]
    context.close()
