"""Two organisers editing one thing in the admin: a save based on an older version is refused with what changed,
the form keeps what was typed, and nothing is overwritten silently."""

import datetime as dt
from unittest import mock

import lxml.html
import pytest
from django.contrib.admin import ModelAdmin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.admin import TalkAdmin
from events.concurrency import ConcurrentEditsMixin
from events.models import (
    Booth,
    BoothShift,
    Event,
    OfficeHours,
    Room,
    ScheduleUpdate,
    Signup,
    Talk,
    TalkSpeaker,
)
from events.signups import cancel_signup, erase_signup
from tests.adminforms import form_data, opened_form
from tests.conftest import organisers_group
from tests.factories import (
    MADRID,
    make_booth,
    make_event,
    make_office_hours,
    make_room,
    make_shift,
    make_signup,
    make_speaker,
    make_talk,
)
from tests.races import race, run_together

pytestmark = pytest.mark.django_db

FUTURE = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)


@pytest.fixture
def second_organiser(db):
    user = User.objects.create_user("ines", "ines@example.org", "another-long-password", is_staff=True)
    user.groups.add(organisers_group())
    return user


@pytest.fixture
def other_client(second_organiser):
    client = Client()
    client.force_login(second_organiser)
    return client


def change_url(obj):
    return reverse(f"admin:events_{obj._meta.model_name}_change", args=[obj.pk])


def page(response):
    return lxml.html.fromstring(response.content.decode())


def conflict_rows(response):
    """The table of a refused save: {field: (saved now, when opened, typed)}."""
    rows = page(response).xpath("//table[contains(@class, 'edit-conflict-changes')]/tbody/tr")
    return {
        " ".join(row.xpath("th")[0].text_content().split()): tuple(
            " ".join(cell.text_content().split()) for cell in row.xpath("td")
        )
        for row in rows
    }


def opened_then_saved_by_the_other(client, other_client, url, changes):
    """The change form at `url` as `client` opened it, after `other_client` opened it too and saved `changes`."""
    mine, theirs = opened_form(client, url), opened_form(other_client, url)
    for name, value in changes.items():
        theirs[name] = value
    assert other_client.post(url, theirs).status_code == 302
    return mine


def value_of(response, name):
    return page(response).xpath(f"//*[@name='{name}']")[0]


# Each of the six: another organiser's save comes first


def _talk():
    return make_talk(make_event(), title="eBPF for everyone", abstract="Packets.")


def _session():
    return make_office_hours(
        make_event(),
        starts_at=FUTURE,
        ends_at=FUTURE + dt.timedelta(minutes=45),
        join_url="https://meet.example.org/leaked",
        description="Ask us anything.",
    )


CASES = {
    # model: (make, their field and value, my field and value)
    "talk": (_talk, ("title", "eBPF for all"), ("abstract", "Packets and maps.")),
    "officehours": (
        _session,
        ("join_url", "https://meet.example.org/new-after-the-leak"),
        ("description", "Bring your questions."),
    ),
    "signup": (
        lambda: make_signup(_session(), slot_start=FUTURE, name="Ada Lane"),
        ("name", "Ada Lovelace Lane"),
        ("question", "How does Cluster Mesh route?!"),
    ),
    "speaker": (
        lambda: make_speaker(name="Ada Lane", affiliation="Isovalent"),
        ("affiliation", "Cisco"),
        ("bio", "Works on Cilium."),
    ),
    "event": (lambda: make_event(city="Valencia"), ("city", "València"), ("venue", "Feria Valencia")),
    "booth": (
        lambda: make_shift(make_booth(location="Hall 2")).booth,
        ("shifts-0-staff", "Core maintainers"),
        ("location", "Hall 3"),
    ),
}


@pytest.mark.parametrize("kind", CASES)
def test_a_save_based_on_an_older_version_is_refused_and_changes_nothing(
    kind, organiser_client, other_client
):
    make, (their_field, their_value), (my_field, my_value) = CASES[kind]
    obj = make()
    url = change_url(obj)
    mine = opened_then_saved_by_the_other(organiser_client, other_client, url, {their_field: their_value})
    saved = type(obj).objects.get(pk=obj.pk)

    mine[my_field] = my_value
    response = organiser_client.post(url, mine)

    assert response.status_code == 409
    assert type(obj).objects.get(pk=obj.pk).__dict__ | {"_state": None} == saved.__dict__ | {"_state": None}
    assert len(conflict_rows(response)) == 1
    assert "Saved since you opened it by ines" in response.content.decode()


@pytest.mark.parametrize("kind", CASES)
def test_saving_the_form_shown_again_keeps_both_changes(kind, organiser_client, other_client):
    make, (their_field, their_value), (my_field, my_value) = CASES[kind]
    obj = make()
    url = change_url(obj)
    mine = opened_then_saved_by_the_other(organiser_client, other_client, url, {their_field: their_value})
    mine[my_field] = my_value
    refused = organiser_client.post(url, mine)

    again = form_data(refused)
    response = organiser_client.post(url, again)

    assert (again[their_field], again[my_field]) == (their_value, my_value)
    assert response.status_code == 302
    final = opened_form(organiser_client, url)
    assert (final[their_field], final[my_field]) == (their_value, my_value)


def test_the_join_link_replaced_after_a_leak_does_not_come_back(organiser_client, other_client):
    session = _session()
    url = change_url(session)
    mine = opened_then_saved_by_the_other(
        organiser_client, other_client, url, {"join_url": "https://meet.example.org/new-after-the-leak"}
    )
    mine["description"] = "Bring your questions."

    response = organiser_client.post(url, mine)

    assert conflict_rows(response) == {
        "Private join link": (
            "https://meet.example.org/new-after-the-leak",
            "https://meet.example.org/leaked",
            "https://meet.example.org/leaked",
        )
    }
    assert value_of(response, "join_url").get("value") == "https://meet.example.org/new-after-the-leak"
    assert value_of(response, "description").text_content().strip() == "Bring your questions."
    assert OfficeHours.objects.get().join_url == "https://meet.example.org/new-after-the-leak"


def test_a_field_both_changed_keeps_what_i_typed_and_saving_again_writes_it_knowingly(
    organiser_client, other_client
):
    talk = _talk()
    url = change_url(talk)
    mine = opened_then_saved_by_the_other(organiser_client, other_client, url, {"title": "Their title"})
    mine["title"] = "My title"

    refused = organiser_client.post(url, mine)
    saved_over = organiser_client.post(url, form_data(refused))

    assert conflict_rows(refused) == {
        "Title (you both changed it)": ("Their title", "eBPF for everyone", "My title")
    }
    assert value_of(refused, "title").get("value") == "My title"
    assert saved_over.status_code == 302
    assert Talk.objects.get().title == "My title"


def test_the_version_shown_again_is_checked_too(organiser_client, other_client):
    talk = _talk()
    url = change_url(talk)
    mine = opened_then_saved_by_the_other(organiser_client, other_client, url, {"title": "Their title"})
    mine["abstract"] = "Mine."
    refused = organiser_client.post(url, mine)
    again = opened_form(other_client, url)
    again["title"] = "Their second title"
    other_client.post(url, again)

    response = organiser_client.post(url, form_data(refused))

    assert response.status_code == 409
    assert conflict_rows(response)["Title"] == ("Their second title", "Their title", "Their title")
    assert Talk.objects.get().abstract == "Packets."


def test_the_link_to_the_saved_version_opens_it(organiser_client, other_client):
    talk = _talk()
    url = change_url(talk)
    mine = opened_then_saved_by_the_other(organiser_client, other_client, url, {"title": "Their title"})
    mine["abstract"] = "Mine."

    response = organiser_client.post(url, mine)

    link = page(response).xpath("//a[normalize-space()='Drop what I typed and open the saved version']/@href")
    assert link == [url]


# Inlines


def test_a_speaker_added_by_the_other_organiser_is_in_the_form_shown_again_and_stays(
    organiser_client, other_client
):
    ada, bo = make_speaker(name="Ada Lane"), make_speaker(name="Bo Chen")
    talk = make_talk(make_event(), speakers=[ada])
    url = change_url(talk)
    their_speaker = {
        "talk_speakers-TOTAL_FORMS": "2",
        "talk_speakers-1-speaker": bo.pk,
        "talk_speakers-1-position": "1",
    }
    mine = opened_then_saved_by_the_other(organiser_client, other_client, url, their_speaker)
    mine["abstract"] = "Mine."

    refused = organiser_client.post(url, mine)
    response = organiser_client.post(url, form_data(refused))

    assert refused.status_code == 409
    assert conflict_rows(refused) == {
        "Speaker: a row": ("Speaker: Bo Chen; Position: 1", "(not there)", "(not there)")
    }
    assert response.status_code == 302
    assert [ts.speaker.name for ts in TalkSpeaker.objects.order_by("position")] == ["Ada Lane", "Bo Chen"]
    assert Talk.objects.get().abstract == "Mine."


def test_a_room_renamed_in_its_own_form_is_not_renamed_back_by_the_events_form(
    organiser_client, other_client
):
    event = make_event()
    room = make_room(event, name="Hall A")
    url = change_url(event)
    mine = opened_form(organiser_client, url)
    theirs = opened_form(other_client, reverse("admin:events_room_change", args=[room.pk]))
    theirs["name"] = "Hall A (main stage)"
    assert other_client.post(reverse("admin:events_room_change", args=[room.pk]), theirs).status_code == 302
    mine["city"] = "València"

    refused = organiser_client.post(url, mine)
    response = organiser_client.post(url, form_data(refused))

    assert refused.status_code == 409
    assert form_data(refused)["rooms-0-name"] == "Hall A (main stage)"
    assert response.status_code == 302
    assert Room.objects.get().name == "Hall A (main stage)"
    assert Event.objects.get().city == "València"


def test_a_shift_deleted_meanwhile_is_not_brought_back(organiser_client, other_client):
    booth = make_booth(location="Hall 2")
    make_shift(booth, staff="Morning")
    make_shift(booth, staff="Afternoon", starts_at=FUTURE, ends_at=FUTURE + dt.timedelta(hours=2))
    url = change_url(booth)
    mine = opened_then_saved_by_the_other(organiser_client, other_client, url, {"shifts-0-DELETE": "on"})
    mine["location"] = "Hall 3"

    refused = organiser_client.post(url, mine)
    response = organiser_client.post(url, form_data(refused))

    assert conflict_rows(refused) == {
        "Booth shift: a row": (
            "(removed)",
            "Starts at: Tue 17 May 2022, 10:00 CEST; Ends at: Tue 17 May 2022, 12:00 CEST; Staff: Morning",
            "Starts at: Tue 17 May 2022, 10:00 CEST; Ends at: Tue 17 May 2022, 12:00 CEST; Staff: Morning",
        )
    }
    assert response.status_code == 302
    assert list(BoothShift.objects.values_list("staff", flat=True)) == ["Afternoon"]
    assert Booth.objects.get().location == "Hall 3"


# Deleted meanwhile


def test_a_talk_deleted_meanwhile_comes_back_as_a_form_to_add_it_with_what_was_typed(
    organiser_client, other_client
):
    ada = make_speaker(name="Ada Lane")
    talk = make_talk(make_event(), title="eBPF for everyone", speakers=[ada])
    url = change_url(talk)
    mine = opened_form(organiser_client, url)
    assert (
        other_client.post(reverse("admin:events_talk_delete", args=[talk.pk]), {"post": "yes"}).status_code
        == 302
    )
    mine["abstract"] = "My new abstract."

    refused = organiser_client.post(url, mine)
    again = form_data(refused)
    added = organiser_client.post(reverse("admin:events_talk_add"), again)

    assert refused.status_code == 409
    assert "Deleted by someone else while you were editing it" in refused.content.decode()
    assert "Deleted by ines" in refused.content.decode()
    assert page(refused).xpath("//form[@id='talk_form']/@action") == [reverse("admin:events_talk_add")]
    assert (again["title"], again["abstract"]) == ("eBPF for everyone", "My new abstract.")
    assert added.status_code == 302
    talk = Talk.objects.get()
    assert (talk.title, talk.abstract, [s.name for s in talk.speakers.all()]) == (
        "eBPF for everyone",
        "My new abstract.",
        ["Ada Lane"],
    )


@pytest.mark.parametrize("kind", CASES)
def test_each_deleted_meanwhile_is_added_again_from_the_form_shown_again(
    kind, organiser_client, other_client
):
    make, _theirs, (my_field, my_value) = CASES[kind]
    obj = make()
    if kind == "officehours":
        make_signup(obj, slot_start=FUTURE)  # the session's signups are listed, not edited, on its form
    model, url = type(obj), change_url(obj)
    mine = opened_form(organiser_client, url)
    delete_url = reverse(f"admin:events_{model._meta.model_name}_delete", args=[obj.pk])
    assert other_client.post(delete_url, {"post": "yes"}).status_code == 302
    mine[my_field] = my_value

    refused = organiser_client.post(url, mine)
    added = organiser_client.post(reverse(f"admin:events_{model._meta.model_name}_add"), form_data(refused))

    assert refused.status_code == 409
    assert added.status_code == 302
    again = model.objects.get()
    assert again.pk != obj.pk
    assert form_data(organiser_client.get(change_url(again)))[my_field] == my_value


# What else changes a talk: bulk actions, attendees


def test_a_talk_published_by_the_list_action_is_not_unpublished_by_a_form_opened_before(
    organiser_client, other_client
):
    talk = make_talk(make_event(), status=Talk.Status.DRAFT)
    url = change_url(talk)
    mine = opened_form(organiser_client, url)
    other_client.post(
        reverse("admin:events_talk_changelist"), {"action": "publish", "_selected_action": [talk.pk]}
    )
    mine["abstract"] = "Mine."

    response = organiser_client.post(url, mine)

    assert response.status_code == 409
    assert conflict_rows(response) == {"Status": ("Published", "Draft", "Draft")}
    assert value_of(response, "status").xpath("option[@selected]/@value") == ["published"]
    assert Talk.objects.get().status == Talk.Status.PUBLISHED


def test_a_list_action_leaves_out_a_talk_saved_after_the_list_was_shown(organiser_client, other_client):
    event = make_event()
    changed, untouched = make_talk(event, title="Changed"), make_talk(event, title="Untouched")
    shown = page(organiser_client.get(reverse("admin:events_talk_changelist")))
    shown_at = shown.xpath("//input[@name='shown_at']/@value")[0]
    theirs = opened_form(other_client, change_url(changed))
    theirs["status"] = "cancelled"
    other_client.post(change_url(changed), theirs)

    response = organiser_client.post(
        reverse("admin:events_talk_changelist"),
        {"action": "unpublish", "_selected_action": [changed.pk, untouched.pk], "shown_at": shown_at},
        follow=True,
    )

    assert dict(Talk.objects.values_list("title", "status")) == {"Changed": "cancelled", "Untouched": "draft"}
    assert (
        "“Changed” was changed since the list was shown and is left out: check it and choose again."
        in response.content.decode()
    )


def test_a_signup_cancelled_by_the_attendee_is_not_confirmed_again_by_an_open_form(organiser_client):
    signup = make_signup(_session(), slot_start=FUTURE)
    url = change_url(signup)
    mine = opened_form(organiser_client, url)
    cancel_signup(signup, now=FUTURE - dt.timedelta(days=1))
    mine["question"] = "Edited by an organiser."

    response = organiser_client.post(url, mine)

    assert response.status_code == 409
    assert conflict_rows(response) == {"Status": ("Cancelled", "Confirmed", "Confirmed")}
    assert Signup.objects.get().status == Signup.Status.CANCELLED


def test_a_signup_erased_meanwhile_is_refused_naming_the_fields_that_cannot_be_changed_any_more(
    organiser_client,
):
    signup = make_signup(_session(), slot_start=FUTURE, name="Ana Lima", email="ana@example.org")
    url = change_url(signup)
    mine = opened_form(organiser_client, url)
    erase_signup(signup, now=FUTURE - dt.timedelta(days=1))
    mine["name"] = "Ana Lima-Souza"

    response = organiser_client.post(url, mine)

    assert response.status_code == 409
    rows = conflict_rows(response)
    assert rows["Name"] == ("(cannot be changed any more)", "Ana Lima", "Ana Lima-Souza")
    assert rows["Email"][0] == "(cannot be changed any more)"
    assert Signup.objects.get().name == ""


# What hangs on a talk's save


def test_a_refused_save_leaves_the_calendar_revision_changelog_and_history_alone(
    organiser_client, other_client, django_capture_on_commit_callbacks
):
    talk = _talk()
    url = change_url(talk)
    with django_capture_on_commit_callbacks(execute=True):
        mine = opened_then_saved_by_the_other(organiser_client, other_client, url, {"title": "Their title"})
    before = Talk.objects.get()
    updates, entries = ScheduleUpdate.objects.count(), LogEntry.objects.count()
    mine["starts_at_1"] = "11:00:00"
    mine["ends_at_1"] = "11:30:00"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = organiser_client.post(url, mine)

    after = Talk.objects.get()
    assert response.status_code == 409
    assert (after.sequence, after.updated_at, after.starts_at) == (
        before.sequence,
        before.updated_at,
        before.starts_at,
    )
    assert before.sequence == 1  # their rename was a revision
    assert (ScheduleUpdate.objects.count(), LogEntry.objects.count(), callbacks) == (updates, entries, [])
    assert Event.objects.get().schedule_version == before.event.schedule_version


# Forms without a version


def test_a_form_that_names_no_version_is_refused_then_saves_as_shown(organiser_client):
    talk = _talk()
    url = change_url(talk)
    mine = opened_form(organiser_client, url)
    del mine["_edit_token"]
    mine["title"] = "My title"

    refused = organiser_client.post(url, mine)
    response = organiser_client.post(url, form_data(refused))

    assert refused.status_code == 409
    assert conflict_rows(refused) == {"Title": ("eBPF for everyone", "(not known)", "My title")}
    assert response.status_code == 302
    assert Talk.objects.get().title == "My title"


def test_the_version_of_another_talk_is_no_version_of_this_one(organiser_client):
    talk, other = _talk(), _talk()
    mine = opened_form(organiser_client, change_url(talk))
    mine["_edit_token"] = opened_form(organiser_client, change_url(other))["_edit_token"]

    response = organiser_client.post(change_url(talk), mine)

    assert response.status_code == 409


def test_a_form_with_a_mistake_keeps_the_version_it_was_opened_with(organiser_client, other_client):
    talk = _talk()
    url = change_url(talk)
    mine, theirs = opened_form(organiser_client, url), opened_form(other_client, url)
    mine["ends_at_1"] = "09:00:00"  # before it starts
    with_mistake = organiser_client.post(url, mine)
    theirs["title"] = "Their title"
    other_client.post(url, theirs)
    fixed = form_data(with_mistake)
    fixed["ends_at_1"] = "10:45:00"

    response = organiser_client.post(url, fixed)

    assert with_mistake.status_code == 200
    assert response.status_code == 409
    assert Talk.objects.get().title == "Their title"


# What it costs


def save_queries(client, url, data):
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, data).status_code == 302
    return len(queries)


def test_the_version_check_costs_a_save_one_query_the_lock(organiser_client):
    talk = make_talk(make_event(), speakers=[make_speaker()])
    url = change_url(talk)
    data = opened_form(organiser_client, url)
    checked = save_queries(organiser_client, url, data)

    def unchecked_view(self, *args, **kwargs):
        return super(ConcurrentEditsMixin, self).changeform_view(*args, **kwargs)

    def unchecked_save(self, *args, **kwargs):
        return super(ConcurrentEditsMixin, self).save_form(*args, **kwargs)

    with (
        mock.patch.object(ConcurrentEditsMixin, "changeform_view", unchecked_view),
        mock.patch.object(ConcurrentEditsMixin, "save_form", unchecked_save),
    ):
        unchecked = save_queries(organiser_client, url, opened_form(organiser_client, url))

    assert checked == unchecked + 1


def test_opening_a_change_form_reads_nothing_more_for_its_version(
    organiser_client, django_assert_num_queries
):
    talk = make_talk(make_event(), speakers=[make_speaker(), make_speaker()])
    # The first admin page of a session also checks the sign-in (second factor, idle time) and keeps the answer
    # in the session for a while: compare two pages after it.
    organiser_client.get(change_url(talk))
    with CaptureQueriesContext(connection) as queries:
        organiser_client.get(change_url(talk))

    with mock.patch.object(ConcurrentEditsMixin, "render_change_form", ModelAdmin.render_change_form):
        with django_assert_num_queries(len(queries)):
            organiser_client.get(change_url(talk))


# At the very same moment


@race
def test_two_saves_of_one_version_at_the_same_moment_keep_one_and_refuse_the_other(
    organiser, second_organiser
):
    talk = _talk()
    url = change_url(talk)
    clients = []
    for user in (organiser, second_organiser):
        client = Client()
        client.force_login(user)
        clients.append(client)
    forms = [opened_form(client, url) for client in clients]
    forms[0]["title"], forms[1]["abstract"] = "First title", "Second abstract"
    statuses = []
    save_model = TalkAdmin.save_model

    def slow_save(self, request, obj, form, change):
        # Both saves have read the talk before either writes, were the check not atomic with the write.
        import time

        time.sleep(0.3)
        save_model(self, request, obj, form, change)

    with mock.patch.object(TalkAdmin, "save_model", slow_save):
        errors = run_together(
            [
                lambda c=client, d=data: statuses.append(c.post(url, d).status_code)
                for client, data in zip(clients, forms, strict=True)
            ]
        )

    assert errors == []
    assert sorted(statuses) == [302, 409]
    saved = Talk.objects.get()
    assert (saved.title, saved.abstract) in {
        ("First title", "Packets."),
        ("eBPF for everyone", "Second abstract"),
    }
