"""Attendees' details and the private join link stay private: no public page or export shows them."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_event, make_office_hours, make_signup, make_speaker, make_talk

pytestmark = pytest.mark.django_db

JOIN_URL = "https://meet.example.org/private-room-4242"


@pytest.fixture
def private_world():
    event = make_event(slug="conf")
    speaker = make_speaker(slug="host")
    make_talk(event, slug="a-talk", speakers=[speaker])
    soon = timezone.now() + dt.timedelta(days=3)
    open_session = make_office_hours(
        event, starts_at=soon, ends_at=soon + dt.timedelta(minutes=45), join_url=JOIN_URL
    )
    open_session.hosts.add(speaker)
    past_session = make_office_hours(event, join_url=JOIN_URL)  # the fixture's week: closed
    signups = [
        make_signup(
            open_session, name="Grace Hopper", email="grace.private@example.org", question="Secret plans"
        ),
        make_signup(past_session, name="Alan Turing", email="alan.private@example.org", question="Enigma"),
    ]
    return {"event": event, "signups": signups}


PUBLIC_ADDRESSES = [
    "/",
    "/conf/",
    "/conf/schedule/",
    "/conf/talks/a-talk/",
    "/conf/speakers/",
    "/conf/speakers/host/",
    "/conf/booth/",
    "/conf/office-hours/",
    "/conf/schedule.ics",
    "/conf/schedule.ics?talks=a-talk",
    "/conf/talks/a-talk.ics",
    "/conf/schedule.xml",
    "/conf/schedule.json",
]


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_no_public_page_or_export_shows_the_join_link_or_attendees(client, private_world, address):
    response = client.get(address)

    assert response.status_code == 200
    body = response.content.decode()
    for secret in [
        JOIN_URL,
        "private-room-4242",
        "grace.private@example.org",
        "alan.private@example.org",
        "Grace Hopper",
        "Alan Turing",
        "Secret plans",
        "Enigma",
    ]:
        assert secret not in body, f"{secret} shown on {address}"


def test_the_signup_confirmation_page_does_not_show_the_join_link_either(client, private_world):
    signup = private_world["signups"][0]

    response = client.get(signup.get_absolute_url())

    assert response.status_code == 200
    assert JOIN_URL not in response.content.decode()


@pytest.mark.parametrize("address", ["/admin/events/signup/", "/admin/events/officehours/"])
def test_anonymous_visitors_get_no_signup_data_from_the_admin(client, private_world, address):
    response = client.get(address)

    assert response.status_code == 302
    assert "grace.private@example.org" not in response.content.decode()
