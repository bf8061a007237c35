"""Property-based tests: arbitrary text in every public form, query parameter and path segment never
gives a 5xx, and input that is refused changes nothing stored."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from events.models import Signup, Talk
from tests.factories import make_event, make_office_hours, make_signup, make_talk

pytestmark = pytest.mark.django_db

# Unicode of every kind (control characters, right-to-left marks, emoji), markup, and huge sizes.
hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "javascript:alert(1)",
            "../../etc/passwd",
            "%00",
            "\x00\x01\x02",
            "' OR 1=1 --",
            "2022-02-30",
            "9999-12-31",
            "0001-01-01",
            "\u202e\u200b",
            "a" * 5000,
            "🎉" * 2000,
        ]
    ),
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world():
    event = make_event(slug="conf")
    talk = make_talk(event, slug="a-talk")
    now = timezone.now()
    office_hours = make_office_hours(
        event, starts_at=now + dt.timedelta(days=7), ends_at=now + dt.timedelta(days=7, minutes=45)
    )
    signup = make_signup(office_hours, slot_start=office_hours.starts_at)
    return {"event": event, "talk": talk, "office_hours": office_hours, "signup": signup}


def stored_state():
    return (
        sorted(Signup.objects.values_list("pk", "status", "name", "email", "question", "cancelled_at")),
        sorted(Talk.objects.values_list("pk", "title", "status", "starts_at")),
    )


def assert_not_a_server_error(response):
    assert response.status_code < 500, response.content[:500]


@HYPOTHESIS
@given(name=st.sampled_from(["day", "track", "kind"]), value=hostile_text)
@example(name="track", value="\x00")
def test_schedule_filters_never_fail(client, world, name, value):
    assert_not_a_server_error(client.get("/conf/schedule/", {name: value}))


@HYPOTHESIS
@given(value=hostile_text)
@example(value="a-talk,\x00")
def test_the_chosen_talks_calendar_never_fails(client, world, value):
    assert_not_a_server_error(client.get("/conf/schedule.ics", {"talks": value}))


@HYPOTHESIS
@given(
    segment=hostile_text,
    template=st.sampled_from(
        [
            "/{}/",
            "/{}/schedule/",
            "/conf/talks/{}/",
            "/conf/talks/{}.ics",
            "/conf/speakers/{}/",
            "/conf/office-hours/signups/{}/",
            "/conf/office-hours/signups/{}/cancel/",
            "/admin/{}/",
        ]
    ),
)
@example(segment="\x00", template="/conf/office-hours/signups/{}/")
def test_arbitrary_path_segments_never_fail(client, world, segment, template):
    assert_not_a_server_error(client.get(template.format(quote(segment, safe=""))))


@HYPOTHESIS
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "name": hostile_text,
            "email": hostile_text,
            "question": hostile_text,
            "slot": hostile_text,
            "consent": hostile_text,
            "website": hostile_text,
        },
    )
)
@example(fields={"name": "\x00", "email": "a\x00@example.org", "question": "\x00", "consent": "on"})
def test_the_signup_form_refuses_hostile_input_without_changing_anything(client, world, monkeypatch, fields):
    monkeypatch.setattr(django_settings, "SIGNUP_RATE_LIMIT", 10**9)
    before = stored_state()

    response = client.post(f"/conf/office-hours/{world['office_hours'].pk}/signup/", fields)

    assert_not_a_server_error(response)
    if response.status_code >= 400:
        assert stored_state() == before


@HYPOTHESIS
@given(token=hostile_text, confirm=hostile_text)
@example(token="\x00\x01\x02", confirm="yes")
def test_cancelling_with_a_tampered_token_changes_nothing(client, world, token, confirm):
    before = stored_state()

    response = client.post(
        f"/conf/office-hours/signups/{quote(token, safe='')}/cancel/", {"confirm": confirm}
    )

    assert_not_a_server_error(response)
    if token != world["signup"].token:
        assert stored_state() == before
