"""The organisers' admin: every page opens, organisers edit content but not users, times in the event zone."""

import csv
import datetime as dt
import io

import lxml.html
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from events.models import (
    Booth,
    BoothShift,
    Event,
    OfficeHours,
    Room,
    Signup,
    Speaker,
    Talk,
    TalkSpeaker,
    Track,
)
from tests.adminforms import edit_token
from tests.conftest import organisers_group
from tests.factories import (
    MADRID,
    at,
    make_event,
    make_office_hours,
    make_room,
    make_shift,
    make_signup,
    make_speaker,
    make_talk,
    make_track,
)

pytestmark = pytest.mark.django_db

MODELS = [Event, Room, Track, Speaker, Talk, Booth, OfficeHours, Signup]


@pytest.fixture
def one_of_each():
    event = make_event()
    room, track, speaker = make_room(event), make_track(event), make_speaker()
    talk = make_talk(event, room=room, track=track, speakers=[speaker])
    shift = make_shift(Booth.objects.create(event=event, name="Booth"))
    signup = make_signup(make_office_hours(event))
    return {
        Event: event,
        Room: room,
        Track: track,
        Speaker: speaker,
        Talk: talk,
        Booth: shift.booth,
        OfficeHours: signup.office_hours,
        Signup: signup,
    }


def admin_urls(model, obj):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    return [
        reverse(f"{prefix}_changelist"),
        reverse(f"{prefix}_add"),
        reverse(f"{prefix}_change", args=[obj.pk]),
    ]


@pytest.mark.parametrize("role", ["superuser_client", "organiser_client"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_admin_page_opens_for_superusers_and_organisers(request, role, model, one_of_each):
    client = request.getfixturevalue(role)

    for url in admin_urls(model, one_of_each[model]):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize(
    "url", ["admin:auth_user_changelist", "admin:auth_group_changelist", "admin:auth_user_add"]
)
def test_organisers_are_refused_users_and_groups(organiser_client, url):
    response = organiser_client.get(reverse(url))

    assert response.status_code == 403


def test_the_organisers_group_holds_events_permissions_and_the_outbox_only():
    group = organisers_group()
    app_labels = set(group.permissions.values_list("content_type__app_label", flat=True))
    outside_events = group.permissions.exclude(content_type__app_label="events")

    assert app_labels == {"events", "portal"}
    assert set(outside_events.values_list("codename", flat=True)) == {"view_email", "delete_email"}
    assert group.permissions.filter(codename="change_signup").exists()


def test_staff_without_the_group_sees_no_events_content(client):
    client.force_login(User.objects.create_user("sam", password="x-long-password", is_staff=True))

    assert client.get(reverse("admin:events_talk_changelist")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("admin:events_signup_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def talk_form(event, **overrides):
    data = {
        "event": event.pk,
        "title": "eBPF for everyone",
        "slug": "ebpf-for-everyone",
        "status": "published",
        "kind": "talk",
        "starts_at_0": "2022-05-16",
        "starts_at_1": "10:45",
        "ends_at_0": "2022-05-16",
        "ends_at_1": "11:15",
        "abstract": "",
        "talk_speakers-TOTAL_FORMS": "0",
        "talk_speakers-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def test_times_typed_in_the_admin_are_the_events_local_time(organiser_client):
    event = make_event(time_zone="Europe/Madrid")
    make_event(time_zone="America/Detroit")  # with two events, the add form cannot guess the zone

    response = organiser_client.post(reverse("admin:events_talk_add"), talk_form(event))

    assert response.status_code == 302
    talk = Talk.objects.get(slug="ebpf-for-everyone")
    assert talk.starts_at == at(16, 10, 45)
    assert event.localtime(talk.starts_at).tzname() == "CEST"


def test_the_change_form_shows_times_in_the_events_zone(organiser_client):
    talk = make_talk(make_event(time_zone="Europe/Madrid"), starts_at=at(16, 10, 45))

    response = organiser_client.get(reverse("admin:events_talk_change", args=[talk.pk]))

    assert 'value="10:45:00"' in response.content.decode()
    assert "Europe/Madrid (CEST, UTC+02:00 at the time shown)" in response.content.decode()


def test_the_zone_label_follows_the_objects_own_date(organiser_client):
    winter = dt.datetime(2026, 11, 30, 17, 0, tzinfo=MADRID)
    office_hours = make_office_hours(
        make_event(), starts_at=winter, ends_at=winter + dt.timedelta(minutes=45)
    )

    response = organiser_client.get(reverse("admin:events_officehours_change", args=[office_hours.pk]))

    assert "Europe/Madrid (CET, UTC+01:00 at the time shown)" in response.content.decode()
    assert 'value="17:00:00"' in response.content.decode()


def signup_form(office_hours, **overrides):
    data = {
        "office_hours": office_hours.pk,
        "slot_start_0": "2022-05-18",
        "slot_start_1": "12:45",
        "name": "Walk-in",
        "email": "walkin@example.org",
        "question": "",
        "status": "confirmed",
    }
    return {**data, **overrides}


def test_an_organiser_cannot_add_a_signup_outside_the_sessions_slots(organiser_client):
    office_hours = make_office_hours(make_event())

    response = organiser_client.post(
        reverse("admin:events_signup_add"), signup_form(office_hours, slot_start_1="12:52")
    )

    assert response.status_code == 200
    assert "Choose one of the slots of this session: 12:30, 12:45, 13:00." in response.content.decode()
    assert Signup.objects.count() == 0


def test_an_organiser_cannot_overbook_a_slot_but_may_waitlist(organiser_client):
    office_hours = make_office_hours(make_event(), seats_per_slot=1)
    make_signup(office_hours, slot_start=at(18, 12, 45))
    url = reverse("admin:events_signup_add")

    refused = organiser_client.post(url, signup_form(office_hours))
    waitlisted = organiser_client.post(url, signup_form(office_hours, status="waitlisted"))

    assert "This slot is full (1 of 1 seats taken)." in refused.content.decode()
    assert waitlisted.status_code == 302
    assert office_hours.signups.confirmed().count() == 1
    assert office_hours.signups.get(email="walkin@example.org").status == Signup.Status.WAITLISTED


def test_an_organiser_adding_a_signup_stores_the_address_as_the_signup_form_does(organiser_client):
    office_hours = make_office_hours(make_event())

    response = organiser_client.post(
        reverse("admin:events_signup_add"), signup_form(office_hours, email="walkin@BÜCHER.example")
    )

    assert response.status_code == 302
    assert Signup.objects.get().email == "walkin@xn--bcher-kva.example"


def test_an_organiser_cannot_add_a_second_signup_for_another_spelling_of_an_address(organiser_client):
    office_hours = make_office_hours(make_event())
    make_signup(office_hours, email="walkin@xn--bcher-kva.example")

    response = organiser_client.post(
        reverse("admin:events_signup_add"), signup_form(office_hours, email="WALKIN@bücher.example")
    )

    assert response.status_code == 200
    assert "This email address is already signed up for this session." in response.content.decode()
    assert Signup.objects.count() == 1


def test_signups_filter_by_slot_and_show_when_they_came_in_the_events_zone(organiser_client):
    office_hours = make_office_hours(make_event())
    make_signup(office_hours, name="Early", slot_start=at(18, 12, 30))
    make_signup(office_hours, name="Later", slot_start=at(18, 12, 45), created_at=at(17, 9, 5))
    slot = f"{office_hours.pk}@{at(18, 12, 45).astimezone(dt.UTC).isoformat()}"

    response = organiser_client.get(reverse("admin:events_signup_changelist"), {"slot": slot})

    assert [s.name for s in response.context["cl"].result_list] == ["Later"]
    assert "Tue 17 May 2022, 09:05 CEST" in response.content.decode()


def test_the_talk_list_shows_times_with_the_zone_abbreviation(organiser_client):
    make_talk(make_event(time_zone="Europe/Madrid"), title="eBPF", starts_at=at(16, 10, 45))

    response = organiser_client.get(reverse("admin:events_talk_changelist"))

    assert "Mon 16 May, 10:45–11:15 CEST" in response.content.decode()


def test_a_talk_in_a_taken_room_is_held_back_before_saving_naming_the_other_talk(organiser_client):
    event = make_event()
    room = make_room(event, name="Hall 1")
    make_talk(event, title="Already there", room=room, starts_at=at(16, 10, 30))

    response = organiser_client.post(reverse("admin:events_talk_add"), talk_form(event, room=room.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["room"] == [
        "Hall 1 is already taken at that time by “Already there” (Monday 16 May 2022, 10:30–11:00 CEST). "
        "Tick “Keep both talks in this room at once” to save the talk anyway, or choose another room or time."
    ]
    assert Talk.objects.count() == 1


def test_an_organiser_can_confirm_a_double_booking_and_is_reminded_after_saving(organiser_client):
    event = make_event()
    room = make_room(event, name="Hall 1")
    make_talk(event, title="Already there", room=room, starts_at=at(16, 10, 30))

    response = organiser_client.post(
        reverse("admin:events_talk_add"), talk_form(event, room=room.pk, book_room_twice="on"), follow=True
    )

    messages = [str(m) for m in response.context["messages"]]
    assert "Room Hall 1 is already taken at that time by “Already there”." in messages
    assert Talk.objects.filter(room=room).count() == 2


def test_a_cancelled_talk_frees_its_room_for_another(organiser_client):
    event = make_event()
    room = make_room(event, name="Hall 1")
    make_talk(event, title="Called off", room=room, starts_at=at(16, 10, 30), status=Talk.Status.CANCELLED)

    organiser_client.post(reverse("admin:events_talk_add"), talk_form(event, room=room.pk))

    assert Talk.objects.filter(room=room).count() == 2


def test_saving_a_talk_warns_when_a_speaker_is_elsewhere_at_that_time(organiser_client):
    event = make_event()
    speaker = make_speaker(name="Ada Lovelace")
    make_talk(event, title="Her other talk", speakers=[speaker], starts_at=at(16, 11))
    form = talk_form(
        event,
        **{
            "talk_speakers-TOTAL_FORMS": "1",
            "talk_speakers-0-speaker": speaker.pk,
            "talk_speakers-0-position": "0",
        },
    )

    response = organiser_client.post(reverse("admin:events_talk_add"), form, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert "Ada Lovelace is also speaking in “Her other talk” at that time." in messages
    assert TalkSpeaker.objects.filter(speaker=speaker).count() == 2


def test_a_talk_without_clashes_saves_without_warnings(organiser_client):
    event = make_event()
    make_talk(event, room=make_room(event), starts_at=at(16, 10, 30))

    response = organiser_client.post(reverse("admin:events_talk_add"), talk_form(event), follow=True)

    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_a_talk_ending_before_it_starts_is_refused_with_a_message(organiser_client):
    event = make_event()

    response = organiser_client.post(reverse("admin:events_talk_add"), talk_form(event, ends_at_1="10:00"))

    assert response.status_code == 200
    assert "A talk must end after it starts." in response.content.decode()
    assert Talk.objects.count() == 0


def test_publish_and_unpublish_actions(organiser_client):
    event = make_event()
    drafts = [make_talk(event, status=Talk.Status.DRAFT) for _ in range(2)]
    url = reverse("admin:events_talk_changelist")

    organiser_client.post(url, {"action": "publish", "_selected_action": [t.pk for t in drafts]})
    assert Talk.objects.published().count() == 2

    organiser_client.post(url, {"action": "unpublish", "_selected_action": [drafts[0].pk]})
    assert list(Talk.objects.published()) == [drafts[1]]


def test_the_talk_list_filters_by_day_in_the_events_zone(organiser_client):
    event = make_event()
    make_talk(event, title="Monday talk", starts_at=at(16, 10))
    make_talk(event, title="Tuesday talk", starts_at=at(17, 0, 30))

    response = organiser_client.get(reverse("admin:events_talk_changelist"), {"day": "2022-05-17"})

    assert [t.title for t in response.context["cl"].result_list] == ["Tuesday talk"]


def test_exporting_signups_as_csv(organiser_client):
    office_hours = make_office_hours(make_event(time_zone="Europe/Madrid"))
    make_signup(office_hours, name="Ada", email="=cmd|'/C calc'!A0@example.org", question="=HYPERLINK(evil)")
    make_signup(office_hours, name="Bob", email="bob@example.org", status=Signup.Status.WAITLISTED)

    response = organiser_client.post(
        reverse("admin:events_officehours_changelist"),
        {"action": "export_signups_csv", "_selected_action": [office_hours.pk]},
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:6] == ["office hours", "slot", "name", "email", "question", "status"]
    assert [row[1:6] for row in rows[1:]] == [
        [
            "2022-05-18T12:30:00+02:00",
            "Ada",
            "'=cmd|'/C calc'!A0@example.org",
            "'=HYPERLINK(evil)",
            "Confirmed",
        ],
        [
            "2022-05-18T12:30:00+02:00",
            "Bob",
            "bob@example.org",
            "How does Cluster Mesh route?",
            "On the waiting list",
        ],
    ]


def test_signups_are_read_only_on_the_office_hours_page(organiser_client):
    signup = make_signup(name="Ada Lovelace")

    response = organiser_client.get(reverse("admin:events_officehours_change", args=[signup.office_hours.pk]))

    content = response.content.decode()
    assert "Ada Lovelace" in content
    assert 'name="signups-0-name"' not in content


def test_booth_shifts_are_edited_on_the_booth_in_the_events_zone(organiser_client):
    booth = Booth.objects.create(event=make_event(time_zone="Europe/Madrid"), name="Booth")
    data = {
        "event": booth.event.pk,
        "name": "Booth",
        "location": "Hall 2",
        "description": "",
        "shifts-TOTAL_FORMS": "1",
        "shifts-INITIAL_FORMS": "0",
        "shifts-0-starts_at_0": "2022-05-17",
        "shifts-0-starts_at_1": "10:00",
        "shifts-0-ends_at_0": "2022-05-17",
        "shifts-0-ends_at_1": "12:00",
        "shifts-0-staff": "Maintainers",
        "_edit_token": edit_token(organiser_client, reverse("admin:events_booth_change", args=[booth.pk])),
    }

    response = organiser_client.post(reverse("admin:events_booth_change", args=[booth.pk]), data)

    assert response.status_code == 302
    assert BoothShift.objects.get().starts_at == at(17, 10)


def test_a_talk_field_not_placed_in_a_section_is_still_on_the_form_under_more(organiser_client, monkeypatch):
    from events.admin import TalkAdmin

    unplaced = [
        (title, {**options, "fields": [name for name in options["fields"] if name != "video_url"]})
        for title, options in TalkAdmin.fieldsets
    ]
    monkeypatch.setattr(TalkAdmin, "fieldsets", unplaced)
    talk = make_talk(make_event(), video_url="https://video.example.org/talk")

    response = organiser_client.get(reverse("admin:events_talk_change", args=[talk.pk]))

    tree = lxml.html.fromstring(response.content.decode())
    more = "//fieldset[.//h2[normalize-space()='More']]"
    assert tree.xpath(f"{more}//input[@name='video_url']/@value") == ["https://video.example.org/talk"]
