"""The organisers' admin in Chromium: lists fit beside the sidebar, a phone keeps a talk's title, time and status,
and no form carries Django's note about the server's time."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission, User

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
