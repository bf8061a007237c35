"""The organiser's admin with several events: times said in the event's zone, filters by event, the signups'
actions and copying an event."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events.copying import copy_event
from events.models import Booth, Event, Room, Signup, Talk, Track
from portal.models import Email
from tests.conftest import deliver_outbox
from tests.factories import (
    at,
    make_booth,
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

DETROIT = ZoneInfo("America/Detroit")


@pytest.fixture
def two_events():
    valencia = make_event(name="KubeCon Valencia", slug="valencia", time_zone="Europe/Madrid")
    detroit = make_event(
        name="KubeCon Detroit",
        slug="detroit",
        time_zone="America/Detroit",
        start_date=dt.date(2022, 10, 24),
        end_date=dt.date(2022, 10, 28),
    )
    return valencia, detroit


def tree(response):
    return lxml.html.fromstring(response.content.decode())


def help_beside(response, name):
    """The help the admin shows in the row of the field `name` (time fields: the date's input is `name`_0)."""
    row = f"//div[contains(@class, 'form-row')][.//*[@name='{name}' or @name='{name}_0']]"
    texts = [
        " ".join(div.text_content().split()) for div in tree(response).xpath(f"{row}//div[@class='help']")
    ]
    return " ".join(dict.fromkeys(texts))


# Times in the event's zone, always said


ADD_FORMS = ["talk", "booth", "officehours", "signup"]


@pytest.mark.parametrize("model", ADD_FORMS)
def test_with_several_events_adding_asks_for_the_event_first(organiser_client, two_events, model):
    valencia, detroit = two_events
    for event in two_events:
        make_office_hours(event)  # a signup is for a session: events without one are not offered for it

    response = organiser_client.get(reverse(f"admin:events_{model}_add"))

    assert response.status_code == 200
    links = tree(response).xpath("//ul[@class='choose-event']//a")
    assert [(a.text, a.get("href")) for a in links] == [
        ("KubeCon Detroit", f"?event={detroit.pk}"),
        ("KubeCon Valencia", f"?event={valencia.pk}"),
    ]
    assert "America/Detroit (EDT, UTC-04:00)" in response.content.decode()


@pytest.mark.parametrize("model", ADD_FORMS)
@pytest.mark.parametrize("permissions", [[], ["view"], ["view", "change", "delete"]])
def test_the_which_event_step_is_only_for_those_who_may_add(client, two_events, model, permissions):
    for event in two_events:
        make_office_hours(event)
    user = User.objects.create_user("sam", password="a-long-password", is_staff=True)
    codenames = [f"{permission}_{model}" for permission in permissions]
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="events", codename__in=codenames)
    )
    client.force_login(user)

    response = client.get(reverse(f"admin:events_{model}_add"))

    assert response.status_code == 403
    assert "KubeCon" not in response.content.decode()


def test_adding_a_signup_offers_only_the_events_with_sessions(organiser_client, two_events):
    valencia, detroit = two_events
    paris = make_event(
        name="KubeCon Paris", slug="paris", start_date=dt.date(2024, 3, 19), end_date=dt.date(2024, 3, 22)
    )
    make_office_hours(valencia)
    starts = dt.datetime(2024, 3, 20, 12, tzinfo=ZoneInfo("Europe/Paris"))
    make_office_hours(paris, starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    url = reverse("admin:events_signup_add")

    for query in [{}, {"event": detroit.pk}]:  # an event without sessions named in the address: asked again
        response = organiser_client.get(url, query)

        links = tree(response).xpath("//ul[@class='choose-event']//a")
        assert [a.text for a in links] == ["KubeCon Paris", "KubeCon Valencia"]


def test_with_one_event_taking_signups_adding_a_signup_is_for_its_sessions(organiser_client, two_events):
    valencia, _detroit = two_events
    make_office_hours(valencia, title="Valencia office hours")

    response = organiser_client.get(reverse("admin:events_signup_add"))

    page = tree(response)
    assert page.xpath("//ul[@class='choose-event']") == []
    assert page.xpath("//select[@name='office_hours']/option[@value!='']/text()") == [
        "Valencia office hours (KubeCon Valencia)"
    ]


def test_the_add_form_of_the_chosen_event_says_its_zone_beside_each_time(organiser_client, two_events):
    valencia, detroit = two_events
    make_room(valencia, name="Valencia hall")
    make_room(detroit, name="Detroit hall")

    response = organiser_client.get(reverse("admin:events_talk_add"), {"event": detroit.pk})

    said = "Read and shown in America/Detroit time: EDT, UTC-04:00 on Mon 24 Oct 2022."
    assert help_beside(response, "starts_at") == said
    assert help_beside(response, "ends_at") == said
    assert said in tree(response).xpath(
        "string(//div[contains(@class, 'field-ends_at')]/following::div[@class='help'][1])"
    )
    page = tree(response)
    assert page.xpath("//select[@name='event']/option[@selected]/text()") == ["KubeCon Detroit"]
    assert page.xpath("//select[@name='event']/option[@value!='']/text()") == ["KubeCon Detroit"]
    assert page.xpath("//select[@name='room']/option[@value!='']/text()") == ["Detroit hall"]
    assert "Times are in the event’s time zone, America/Detroit (EDT, UTC-04:00 during the event)." in (
        response.content.decode()
    )


def test_a_talk_added_for_the_chosen_event_is_read_in_its_zone(organiser_client, two_events):
    _valencia, detroit = two_events
    data = {
        "event": detroit.pk,
        "title": "Cilium in Detroit",
        "slug": "cilium-in-detroit",
        "status": "published",
        "kind": "talk",
        "starts_at_0": "2022-10-25",
        "starts_at_1": "11:00",
        "ends_at_0": "2022-10-25",
        "ends_at_1": "11:30",
        "abstract": "",
        "talk_speakers-TOTAL_FORMS": "0",
        "talk_speakers-INITIAL_FORMS": "0",
    }

    response = organiser_client.post(f"{reverse('admin:events_talk_add')}?event={detroit.pk}", data)

    assert response.status_code == 302
    assert Talk.objects.get().starts_at == dt.datetime(2022, 10, 25, 11, tzinfo=DETROIT)


def test_save_and_add_another_stays_with_the_event(organiser_client, two_events):
    _valencia, detroit = two_events
    data = {
        "event": detroit.pk,
        "name": "Cilium booth",
        "location": "",
        "description": "",
        "shifts-TOTAL_FORMS": "0",
        "shifts-INITIAL_FORMS": "0",
        "_addanother": "Save and add another",
    }

    response = organiser_client.post(f"{reverse('admin:events_booth_add')}?event={detroit.pk}", data)

    assert response["Location"] == f"{reverse('admin:events_booth_add')}?event={detroit.pk}"
    assert (
        "Read and shown in America/Detroit time"
        in organiser_client.get(response["Location"]).content.decode()
    )


def test_with_one_event_the_add_form_opens_in_its_zone_at_once(organiser_client):
    make_event(time_zone="Europe/Madrid")

    response = organiser_client.get(reverse("admin:events_officehours_add"))

    assert (
        help_beside(response, "starts_at")
        == "Read and shown in Europe/Madrid time: CEST, UTC+02:00 on Mon 16 May 2022."
    )


def test_the_change_form_says_the_zone_at_the_objects_own_date(organiser_client):
    winter = dt.datetime(2026, 11, 30, 17, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    session = make_office_hours(make_event(), starts_at=winter, ends_at=winter + dt.timedelta(minutes=45))

    response = organiser_client.get(reverse("admin:events_officehours_change", args=[session.pk]))

    assert (
        help_beside(response, "starts_at")
        == "Read and shown in Europe/Madrid time: CET, UTC+01:00 on Mon 30 Nov 2026."
    )
    assert help_beside(response, "signup_deadline") == help_beside(response, "starts_at")


def test_booth_shifts_say_their_zone_in_the_inline(organiser_client, two_events):
    booth = make_booth(two_events[1])

    response = organiser_client.get(reverse("admin:events_booth_change", args=[booth.pk]))

    titles = tree(response).xpath("//div[@id='shifts-group']//th[contains(@class, '_at')]/img/@title")
    assert titles == ["Read and shown in America/Detroit time: EDT, UTC-04:00 on Mon 24 Oct 2022."] * 2


def test_the_signup_form_of_the_chosen_event_offers_its_sessions_only(organiser_client, two_events):
    valencia, detroit = two_events
    make_office_hours(valencia, title="In Valencia")
    make_office_hours(
        detroit,
        title="In Detroit",
        starts_at=dt.datetime(2022, 10, 25, 12, tzinfo=DETROIT),
        ends_at=dt.datetime(2022, 10, 25, 13, tzinfo=DETROIT),
    )

    response = organiser_client.get(reverse("admin:events_signup_add"), {"event": valencia.pk})

    options = tree(response).xpath("//select[@name='office_hours']/option[@value!='']/text()")
    assert options == ["In Valencia (KubeCon Valencia)"]
    assert help_beside(response, "slot_start").startswith("Read and shown in Europe/Madrid time: CEST")


def test_the_events_slug_help_reads_as_written(organiser_client):
    event = make_event()

    response = organiser_client.get(reverse("admin:events_event_change", args=[event.pk]))

    assert help_beside(response, "slug") == "Used in addresses: /<slug>/schedule/"


def test_the_events_zone_is_typed_with_the_iana_names_offered(organiser_client):
    event = make_event()

    response = organiser_client.get(reverse("admin:events_event_change", args=[event.pk]))

    page = tree(response)
    assert page.xpath("//input[@name='time_zone']/@list") == ["iana-time-zones"]
    options = page.xpath("//datalist[@id='iana-time-zones']/option/@value")
    assert "Europe/Madrid" in options and "America/Detroit" in options
    assert options == sorted(options)


def test_a_zone_that_is_not_an_iana_name_is_refused(organiser_client):
    event = make_event()
    data = {
        "name": event.name,
        "slug": event.slug,
        "time_zone": "Central European Summer Time",
        "start_date": "2022-05-16",
        "end_date": "2022-05-20",
        "venue": "",
        "city": "",
        "website": "",
        "description": "",
        "rooms-TOTAL_FORMS": "0",
        "rooms-INITIAL_FORMS": "0",
        "tracks-TOTAL_FORMS": "0",
        "tracks-INITIAL_FORMS": "0",
    }

    response = organiser_client.post(reverse("admin:events_event_change", args=[event.pk]), data)

    assert response.status_code == 200
    assert "is not an IANA time zone name, such as Europe/Madrid." in response.content.decode()
    event.refresh_from_db()
    assert event.time_zone == "Europe/Madrid"


def test_the_signups_on_a_session_link_to_their_admin_page_only(organiser_client):
    signup = make_signup()

    response = organiser_client.get(reverse("admin:events_officehours_change", args=[signup.office_hours.pk]))

    links = tree(response).xpath("//div[@id='signups-group']//td[@class='original']//a/text()")
    assert links == ["View"]


# Filters by event


def talk_titles(response):
    return [talk.title for talk in response.context["cl"].result_list]


def filter_choices(response, title):
    spec = next(spec for spec in response.context["cl"].filter_specs if str(spec.title) == title)
    return [choice["display"] for choice in spec.choices(response.context["cl"])]


def test_the_day_filter_offers_the_days_of_the_chosen_event(organiser_client, two_events):
    valencia, detroit = two_events
    make_talk(detroit, title="Detroit Tuesday", starts_at=dt.datetime(2022, 10, 25, 23, 30, tzinfo=DETROIT))
    make_talk(detroit, title="Detroit Wednesday", starts_at=dt.datetime(2022, 10, 26, 9, tzinfo=DETROIT))
    url = reverse("admin:events_talk_changelist")

    response = organiser_client.get(url, {"event__id__exact": detroit.pk, "day": "2022-10-25"})

    assert filter_choices(response, "day") == [
        "All",
        "Mon 24 Oct",
        "Tue 25 Oct",
        "Wed 26 Oct",
        "Thu 27 Oct",
        "Fri 28 Oct",
    ]
    # 23:30 in Detroit is the next day in UTC: the day is the event's.
    assert talk_titles(response) == ["Detroit Tuesday"]


def test_without_an_event_each_day_names_its_event_and_chooses_it(organiser_client, two_events):
    valencia, detroit = two_events
    make_talk(valencia, title="Valencia Monday", starts_at=at(16, 10))

    response = organiser_client.get(reverse("admin:events_talk_changelist"))

    choices = filter_choices(response, "day")
    assert choices[:3] == ["All", "KubeCon Valencia: Mon 16 May", "KubeCon Valencia: Tue 17 May"]
    assert choices[6:8] == ["KubeCon Detroit: Mon 24 Oct", "KubeCon Detroit: Tue 25 Oct"]
    links = tree(response).xpath("//a[normalize-space()='KubeCon Valencia: Mon 16 May']/@href")
    assert links == [f"?day=2022-05-16&event__id__exact={valencia.pk}"]


def test_talks_filter_by_room_and_track_of_the_chosen_event(organiser_client, two_events):
    valencia, detroit = two_events
    hall, annex = make_room(valencia, name="Hall"), make_room(valencia, name="Annex")
    make_room(detroit, name="Detroit hall")
    track = make_track(valencia, name="eBPF")
    make_talk(valencia, title="In the hall", room=hall, track=track)
    make_talk(valencia, title="In the annex", room=annex)
    url = reverse("admin:events_talk_changelist")

    by_room = organiser_client.get(url, {"event__id__exact": valencia.pk, "room__id__exact": hall.pk})
    by_track = organiser_client.get(url, {"track__id__exact": track.pk})

    assert talk_titles(by_room) == ["In the hall"]
    assert filter_choices(by_room, "room") == ["All", "Annex", "Hall", "-"]
    assert talk_titles(by_track) == ["In the hall"]
    assert "KubeCon Detroit: Detroit hall" in filter_choices(by_track, "room")


@pytest.mark.parametrize("words", ["Huntington", "Ada Lovelace"])
def test_talk_search_covers_room_and_speaker_names(organiser_client, words):
    event = make_event()
    make_talk(
        event,
        title="Found",
        room=make_room(event, name="Huntington Place"),
        speakers=[make_speaker(name="Ada Lovelace")],
    )
    make_talk(event, title="Not found")

    response = organiser_client.get(reverse("admin:events_talk_changelist"), {"q": words})

    assert talk_titles(response) == ["Found"]


def test_a_year_out_of_range_shows_the_whole_list_with_a_message(organiser_client):
    make_talk(make_event(), title="Still listed")
    url = reverse("admin:events_talk_changelist")

    response = organiser_client.get(url, {"starts_at__year": "99999999999"}, follow=True)

    assert response.redirect_chain == [(f"{url}?e=1", 302)]
    assert talk_titles(response) == ["Still listed"]
    assert [str(m) for m in response.context["messages"]] == [
        "This list cannot be filtered by “starts_at__year=99999999999”, so it shows everything. "
        "Choose a filter on the right."
    ]


def test_a_nul_byte_in_a_filter_is_a_400_with_a_message(organiser_client):
    response = organiser_client.get(reverse("admin:events_talk_changelist"), {"status__exact": "\x00"})

    assert response.status_code == 400
    assert "This address holds a NUL character, which no page takes." in response.content.decode()


# Lists that fit


def test_long_titles_are_cut_with_the_whole_title_on_hover(organiser_client):
    title = (
        "Cilium Service Mesh in production: what we learned from two years of running it at scale, and more"
    )
    make_talk(make_event(name="KubeCon Valencia"), title=title)

    response = organiser_client.get(reverse("admin:events_talk_changelist"))

    cell = tree(response).xpath("//th[contains(@class, 'field-title_and_event')]")[0]
    assert cell.xpath(".//span[@title]/@title") == [title]
    assert cell.xpath("string(.//span[@title])") == title[:69] + "…"
    assert cell.xpath("string(.//span[@class='list-secondary'])") == "KubeCon Valencia"


def test_a_list_filtered_to_one_event_leaves_the_event_out(organiser_client):
    event = make_event(name="KubeCon Valencia")
    make_talk(event)

    response = organiser_client.get(reverse("admin:events_talk_changelist"), {"event__id__exact": event.pk})

    assert response.context["cl"].list_display[1] == "short_title"
    assert tree(response).xpath("//span[@class='list-secondary']") == []


@pytest.mark.parametrize("signup_count", [1, 20])
def test_the_signups_list_costs_the_same_queries_for_few_and_many_signups(
    organiser_client, django_assert_num_queries, signup_count
):
    session = make_office_hours(make_event(), seats_per_slot=30)
    for _n in range(signup_count):
        make_signup(session)
    organiser_client.get(reverse("admin:events_signup_changelist"))  # the session's first read

    with django_assert_num_queries(12):
        response = organiser_client.get(reverse("admin:events_signup_changelist"))

    assert response.context["cl"].result_count == signup_count


@pytest.mark.parametrize("talk_count", [1, 20])
def test_the_talk_list_costs_the_same_queries_for_few_and_many_talks(
    organiser_client, django_assert_num_queries, talk_count
):
    event = make_event()
    room = make_room(event)
    for n in range(talk_count):
        make_talk(
            event, room=room, speakers=[make_speaker()], starts_at=at(16, 9) + dt.timedelta(minutes=30 * n)
        )
    organiser_client.get(reverse("admin:events_talk_changelist"))  # the session's first read

    with django_assert_num_queries(14):
        response = organiser_client.get(reverse("admin:events_talk_changelist"))

    assert response.context["cl"].result_count == talk_count


# The signups list with its actions


def post_action(client, model, action, objects, **data):
    return client.post(
        reverse(f"admin:events_{model}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects], **data},
    )


def test_the_signups_list_exports_the_chosen_signups_as_csv(organiser_client):
    session = make_office_hours(make_event())
    ada = make_signup(session, name="Ada")
    make_signup(session, name="Bob")

    response = post_action(organiser_client, "signup", "export_signups_csv", [ada])

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [row[2] for row in rows] == ["name", "Ada"]


def test_the_signups_list_promotes_the_people_waiting_in_the_chosen_slots(organiser_client):
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=7)
    session = make_office_hours(
        make_event(), seats_per_slot=1, starts_at=starts, ends_at=starts + dt.timedelta(minutes=30)
    )
    first, second = (slot.starts_at for slot in session.slots())
    waiting_first = make_signup(
        session, name="Waits first", slot_start=first, status=Signup.Status.WAITLISTED
    )
    waiting_second = make_signup(
        session, name="Waits second", slot_start=second, status=Signup.Status.WAITLISTED
    )

    response = post_action(organiser_client, "signup", "promote_from_waitlist", [waiting_first])

    waiting_first.refresh_from_db()
    waiting_second.refresh_from_db()
    assert response.status_code == 302
    assert waiting_first.status == Signup.Status.CONFIRMED
    assert waiting_second.status == Signup.Status.WAITLISTED
    assert list(Email.objects.values_list("to", flat=True)) == [waiting_first.email]


def test_emailing_the_people_of_a_slot_asks_for_the_message_first(organiser_client):
    session = make_office_hours(make_event(), title="Cilium office hours")
    ada = make_signup(session, name="Ada", email="ada@example.org")
    gone = make_signup(session, name="Gone", email="gone@example.org", status=Signup.Status.CANCELLED)

    response = post_action(organiser_client, "signup", "email_signups", [ada, gone])

    assert response.status_code == 200
    page = tree(response)
    assert page.xpath("//ul[@class='action-items']/li/text()") == [
        "Ada <ada@example.org>, Cilium office hours, Wed 18 May, 12:30 CEST"
    ]
    assert page.xpath("//input[@name='_selected_action']/@value") == [str(ada.pk), str(gone.pk)]
    assert Email.objects.count() == 0


def test_emailing_the_people_of_a_slot_sends_one_email_each_through_the_outbox(organiser_client):
    session = make_office_hours(make_event(name="KubeCon Valencia"), title="Cilium office hours")
    people = [make_signup(session, name=name, email=f"{name.lower()}@example.org") for name in ("Ada", "Bob")]
    people.append(make_signup(session, name="Gone", email="gone@example.org", status=Signup.Status.CANCELLED))
    mail.outbox.clear()

    response = post_action(
        organiser_client,
        "signup",
        "email_signups",
        people,
        apply="Send",
        subject="We start five minutes late",
        message="The room before us overran. See you at 12:35!",
    )

    assert response.status_code == 302
    assert sorted(Email.objects.values_list("to", "subject")) == [
        ("ada@example.org", "We start five minutes late"),
        ("bob@example.org", "We start five minutes late"),
    ]
    sent = {message.to[0]: message for message in deliver_outbox()}
    body = sent["ada@example.org"].body
    assert "Hello Ada,\n\nThe room before us overran. See you at 12:35!\n" in body
    assert "- Cilium office hours (KubeCon Valencia), Wed 18 May 2022, 12:30–12:45 CEST" in body
    assert people[0].get_absolute_url() in body
    messages = [str(m) for m in organiser_client.get(response["Location"]).context["messages"]]
    assert messages == ["2 emails are in the outbox (Portal › Outbox); the worker sends them within seconds."]


def test_an_email_without_a_subject_is_asked_for_again(organiser_client):
    ada = make_signup(name="Ada")

    response = post_action(
        organiser_client, "signup", "email_signups", [ada], apply="Send", subject="", message="Hello"
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Email.objects.count() == 0


def test_a_subject_on_two_lines_is_refused(organiser_client):
    ada = make_signup(name="Ada")

    response = post_action(
        organiser_client,
        "signup",
        "email_signups",
        [ada],
        apply="Send",
        subject="Late\r\nBcc: everyone@example.org",
        message="Hello",
    )

    assert "Write the subject on one line." in response.content.decode()
    assert Email.objects.count() == 0


def test_the_office_hours_list_emails_the_people_of_its_sessions(organiser_client):
    session = make_office_hours(make_event())
    make_signup(session, email="ada@example.org")
    make_signup(make_office_hours(make_event()), email="elsewhere@example.org")

    post_action(
        organiser_client,
        "officehours",
        "email_signups",
        [session],
        apply="Send",
        subject="Room change",
        message="Hall 2.",
    )

    assert list(Email.objects.values_list("to", flat=True)) == ["ada@example.org"]


# Copying an event


@pytest.fixture
def last_year():
    event = make_event(
        name="KubeCon Valencia 2022", slug="valencia-2022", venue="Feria Valencia", city="Valencia"
    )
    make_room(event, name="Hall 1", order=2)
    make_track(event, name="eBPF", slug="ebpf", colour="#112233")
    shift = make_shift(
        make_booth(event, name="Cilium booth", location="S12"), starts_at=at(17, 10), ends_at=at(17, 12)
    )
    session = make_office_hours(event, title="Office hours", starts_at=at(18, 12, 30), ends_at=at(18, 13, 15))
    session.hosts.set([make_speaker(name="Ada")])
    make_signup(session)
    make_talk(event, title="Last year's talk")
    return event, shift


def test_copying_an_event_moves_booth_and_office_hours_to_the_new_dates(last_year):
    event, _shift = last_year

    copy = copy_event(event, name="KubeCon Paris 2023", slug="paris-2023", start_date=dt.date(2022, 11, 14))

    assert (copy.start_date, copy.end_date, copy.time_zone) == (
        dt.date(2022, 11, 14),
        dt.date(2022, 11, 18),
        "Europe/Madrid",
    )
    assert list(copy.rooms.values_list("name", "order")) == [("Hall 1", 2)]
    assert list(copy.tracks.values_list("name", "slug", "colour")) == [("eBPF", "ebpf", "#112233")]
    booth = copy.booths.get()
    # 182 days later, in winter: 10:00 at the venue is still 10:00 there (CET now, CEST then).
    madrid = ZoneInfo("Europe/Madrid")
    assert (booth.name, booth.location) == ("Cilium booth", "S12")
    assert [s.starts_at for s in booth.shifts.all()] == [dt.datetime(2022, 11, 15, 10, tzinfo=madrid)]
    session = copy.office_hours.get()
    assert (session.starts_at, session.ends_at) == (
        dt.datetime(2022, 11, 16, 12, 30, tzinfo=madrid),
        dt.datetime(2022, 11, 16, 13, 15, tzinfo=madrid),
    )
    assert [host.name for host in session.hosts.all()] == ["Ada"]
    assert session.signups.count() == 0
    assert copy.talks.count() == 0
    assert event.booths.get().shifts.get().starts_at == at(17, 10)  # the original stays


def test_a_copy_keeps_the_hour_its_programme_day_changes(last_year):
    event, _shift = last_year
    Event.objects.filter(pk=event.pk).update(day_change=dt.time(4, 0))
    event.refresh_from_db()

    copy = copy_event(event, name="KubeCon Paris 2023", slug="paris-2023", start_date=dt.date(2022, 11, 14))

    assert copy.day_change == dt.time(4, 0)


def test_the_copy_action_asks_for_name_address_and_first_day(organiser_client, last_year):
    event, _shift = last_year

    response = post_action(organiser_client, "event", "copy_event", [event])

    page = tree(response)
    assert page.xpath("//input[@name='name']/@value") == ["KubeCon Valencia 2023"]
    assert page.xpath("//input[@name='slug']/@value") == ["valencia-2023"]
    assert page.xpath("//input[@name='start_date']/@value") == ["2023-05-15"]  # a Monday, as 16 May 2022


def test_the_copy_action_makes_the_event_and_opens_it(organiser_client, last_year):
    event, _shift = last_year

    response = post_action(
        organiser_client,
        "event",
        "copy_event",
        [event],
        apply="Copy",
        name="KubeCon Amsterdam 2023",
        slug="amsterdam-2023",
        start_date="2023-04-17",
    )

    copy = Event.objects.get(slug="amsterdam-2023")
    assert response["Location"] == reverse("admin:events_event_change", args=[copy.pk])
    assert Booth.objects.filter(event=copy).count() == 1
    assert Room.objects.filter(event=copy).count() == Track.objects.filter(event=copy).count() == 1


def test_the_copy_action_refuses_an_address_in_use(organiser_client, last_year):
    event, _shift = last_year

    response = post_action(
        organiser_client,
        "event",
        "copy_event",
        [event],
        apply="Copy",
        name="Again",
        slug=event.slug,
        start_date="2023-04-17",
    )

    assert response.status_code == 200
    assert "Another event has this address already." in response.content.decode()
    assert Event.objects.count() == 1


def test_the_copy_action_copies_one_event_at_a_time(organiser_client, last_year):
    event, _shift = last_year

    response = post_action(organiser_client, "event", "copy_event", [event, make_event()])

    assert [str(m) for m in organiser_client.get(response["Location"]).context["messages"]] == [
        "Choose one event to copy."
    ]
    assert Event.objects.count() == 2
