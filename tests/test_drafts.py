"""Draft events: only organisers see them, on every address and through every cache, until they are published,
which the changelog and its feed tell once."""

import datetime as dt
import io

import feedparser
import lxml.html
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from events import copying, publishing
from events.models import AnnouncedTalk, Event, ScheduleUpdate, Signup, Talk, TalkChange

# Forms posted as browsers post them (urlencoded); the portal refuses multipart bodies outside the admin.
from tests.conftest import FormClient as Client
from tests.conftest import organisers_group, sign_in_with_second_factor
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
    make_track,
)

pytestmark = pytest.mark.django_db

# A session in the future, so its signup is open: Wednesday 15 May 2030, 12:30–13:15 CEST.
OPEN_START = dt.datetime(2030, 5, 15, 12, 30, tzinfo=MADRID)


def summit(status):
    """An event with a talk by Ada in a room and a track, a booth shift, office hours and a signup."""
    event = make_event(slug="summit", name="Summit 2022", status=status)
    make_talk(
        event,
        title="Maps",
        slug="maps",
        room=make_room(event, name="Hall A"),
        track=make_track(event, name="Networking", slug="networking"),
        speakers=[make_speaker(name="Ada Lane", slug="ada")],
    )
    make_shift(make_booth(event))
    session = make_office_hours(
        event, starts_at=OPEN_START, ends_at=OPEN_START + dt.timedelta(minutes=45), slot_minutes=15
    )
    signup = make_signup(session, slot_start=OPEN_START)
    return event, session, signup


def signup_form(email="bo@example.org"):
    return {
        "slot": "20300515T1030Z",
        "name": "Bo Chen",
        "email": email,
        "question": "How do maps work?",
        "consent": "on",
        "website": "",
    }


# (what, method, address, status when visible); {session} and {token} are the office hours' and the signup's.
ADDRESSES = [
    ("event page", "get", "/summit/", 200),
    ("event page in Spanish", "get", "/es/summit/", 200),
    ("schedule", "get", "/summit/schedule/", 200),
    ("a day of the schedule", "get", "/summit/schedule/?day=2022-05-16", 200),
    ("schedule in German", "get", "/de/summit/schedule/", 200),
    ("jump to now", "get", "/summit/schedule/now/", 302),
    ("embed", "get", "/summit/embed/", 200),
    ("my schedule", "get", "/summit/my-schedule/?talks=maps", 200),
    ("changes", "get", "/summit/schedule/changes/", 200),
    ("feed", "get", "/summit/schedule/feed.xml", 200),
    ("calendar", "get", "/summit/schedule.ics", 200),
    ("track calendar", "get", "/summit/schedule.ics?track=networking", 200),
    ("chosen talks calendar", "get", "/summit/schedule.ics?talks=maps", 200),
    ("frab XML", "get", "/summit/schedule.xml", 200),
    ("c3voc JSON", "get", "/summit/schedule.json", 200),
    ("talk", "get", "/summit/talks/maps/", 200),
    ("talk calendar", "get", "/summit/talks/maps.ics", 200),
    ("speakers", "get", "/summit/speakers/", 200),
    ("speaker search", "get", "/summit/speakers/?q=ada", 200),
    ("speaker", "get", "/summit/speakers/ada/", 200),
    ("speaker calendar", "get", "/summit/speakers/ada.ics", 200),
    ("booth", "get", "/summit/booth/", 200),
    ("office hours", "get", "/summit/office-hours/", 200),
    ("office-hours signup", "post", "/summit/office-hours/{session}/signup/", 302),
    ("signup page", "get", "/summit/office-hours/signups/{token}/", 200),
    ("signup calendar", "get", "/summit/office-hours/signups/{token}/office-hours.ics", 200),
    ("signup cancellation", "get", "/summit/office-hours/signups/{token}/cancel/", 200),
]


def user_client(who):
    client = Client()
    if who == "anonymous":
        return client
    # No password: hashing one would be most of the test's time, and force_login needs none.
    user, _created = User.objects.get_or_create(
        username=who.replace(" ", "-"),
        defaults={"is_staff": True, "is_superuser": who.startswith("superuser")},
    )
    if who == "organiser":
        user.groups.add(organisers_group())
    if who == "superuser":
        sign_in_with_second_factor(client, user)  # as the admin requires of superusers
    else:
        # "superuser without the second factor": signed in with the password, the app's code not given yet.
        client.force_login(user)
    return client


def visit(client, method, address, session, signup, who):
    url = address.format(session=session.pk, token=signup.token)
    form = signup_form(email=f"{who.replace(' ', '-')}@example.org")
    return client.post(url, form) if method == "post" else client.get(url)


@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.PUBLISHED])
@pytest.mark.parametrize(
    "who",
    [
        "anonymous",
        "organiser",
        "superuser",
        "superuser without the second factor",
        "staff without permission",
    ],
)
@pytest.mark.parametrize("what, method, address, shown_status", ADDRESSES, ids=[a[0] for a in ADDRESSES])
def test_who_sees_which_address_of_a_draft_and_a_published_event(
    status, who, what, method, address, shown_status
):
    event, session, signup = summit(status)
    # An organiser looked first, so anything that keeps pages has had its chance to keep the draft.
    visit(user_client("organiser"), method, address, session, signup, "first organiser")

    response = visit(user_client(who), method, address, session, signup, who)

    sees = status == Event.Status.PUBLISHED or who in ("organiser", "superuser")
    assert response.status_code == (shown_status if sees else 404)
    cache_control = response.get("Cache-Control", "")
    if status == Event.Status.DRAFT:
        # What shows a draft is the organiser's alone: nginx, a CDN or a shared proxy must not keep it.
        assert "public" not in cache_control
        assert ("private" in cache_control and "no-store" in cache_control) == sees
    if not sees:
        assert b"Summit 2022" not in response.content


def test_the_home_page_lists_published_events_only_even_for_organisers(organiser_client):
    make_event(name="Published Summit", start_date=dt.date(2030, 5, 15), end_date=dt.date(2030, 5, 16))
    make_event(
        name="Draft Summit",
        status=Event.Status.DRAFT,
        start_date=dt.date(2030, 6, 1),
        end_date=dt.date(2030, 6, 2),
    )

    for client in (Client(), organiser_client):
        page = client.get("/").content.decode()

        assert "Published Summit" in page
        assert "Draft Summit" not in page


def banner(response):
    return lxml.html.fromstring(response.content).xpath("string(//p[contains(@class, 'draft-banner')])")


def test_an_organiser_sees_a_draft_with_a_banner_and_publishing_shows_it_to_everybody_at_once(
    organiser_client,
):
    event, _session, _signup = summit(Event.Status.DRAFT)
    anonymous = Client()
    draft_page = organiser_client.get("/summit/schedule/")
    assert anonymous.get("/summit/schedule/").status_code == 404

    publishing.publish_event(event)

    public_page = anonymous.get("/summit/schedule/")
    assert banner(draft_page).startswith("Draft: only organisers see this event")
    assert lxml.html.fromstring(draft_page.content).xpath(
        "//p[contains(@class, 'draft-banner')]//a/@href"
    ) == [reverse("admin:events_event_change", args=[event.pk])]
    assert (public_page.status_code, banner(public_page)) == (200, "")
    assert "Maps" in public_page.content.decode()
    assert "public" in public_page["Cache-Control"]
    assert banner(organiser_client.get("/summit/schedule/")) == ""
    assert "Summit 2022" in anonymous.get("/").content.decode()


def test_a_page_kept_before_the_event_was_published_is_not_served_after(organiser_client, settings):
    # A published event's schedule is kept; a draft's never is, so publishing cannot bring back a kept draft.
    event, _session, _signup = summit(Event.Status.DRAFT)
    organiser_client.get("/summit/talks/maps/")
    organiser_client.get("/summit/talks/maps/")

    publishing.publish_event(event)
    first = Client().get("/summit/talks/maps/")
    kept = Client().get("/summit/talks/maps/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert (first.status_code, banner(first)) == (200, "")
    assert kept.status_code == 304


# Publishing and the changelog ----------------------------------------------------------------------------


def changes_page(client, slug="summit"):
    page = lxml.html.fromstring(client.get(f"/{slug}/schedule/changes/").content)
    return [
        (
            " ".join(section.xpath("string(.//h2)").split()[:2]),
            section.xpath("string(./p[1])"),
            [" ".join(li.text_content().split()) for li in section.xpath(".//li")],
        )
        for section in page.xpath("//section[contains(@class, 'schedule-update')]")
    ]


def feed_entries(client, slug="summit"):
    return [
        entry.title for entry in feedparser.parse(client.get(f"/{slug}/schedule/feed.xml").content).entries
    ]


def test_publishing_is_one_changelog_entry_and_one_feed_entry_counting_the_talks(committed, client):
    event = make_event(slug="summit", status=Event.Status.DRAFT)
    hall = make_room(event, name="Hall A")
    with committed():
        talks = [make_talk(event, title=f"Talk {n}", slug=f"talk-{n}", room=hall) for n in range(3)]
        make_talk(event, title="Still a draft", slug="draft", status=Talk.Status.DRAFT)
        make_talk(event, title="Called off", slug="off", status=Talk.Status.CANCELLED)
    with committed():
        # Edits while it is a draft are not news.
        talks[0].title = "Talk zero"
        talks[0].save()
        talks[1].starts_at += dt.timedelta(hours=1)
        talks[1].ends_at += dt.timedelta(hours=1)
        talks[1].save()
        talks[2].delete()
    assert (ScheduleUpdate.objects.count(), TalkChange.objects.count()) == (0, 0)

    with committed():
        entry = publishing.publish_event(event)

    assert (entry.number, entry.kind, entry.talk_count) == (1, ScheduleUpdate.Kind.PUBLISHED, 3)
    assert changes_page(client) == [("Update 1", "Programme published: 3 talks", [])]
    assert feed_entries(client) == ["Update 1: Programme published: 3 talks"]
    assert TalkChange.objects.count() == 0
    page = lxml.html.fromstring(client.get("/summit/schedule/changes/").content)
    assert page.xpath("//ul[contains(@class, 'talk-changes')]") == []  # counted, not listed
    entry = feedparser.parse(client.get("/summit/schedule/feed.xml").content).entries[0]
    assert entry.summary == '<p><a href="http://testserver/summit/schedule/">See the schedule.</a></p>'


def test_a_change_after_publishing_is_recorded_as_the_next_update(committed, client):
    event = make_event(slug="summit", status=Event.Status.DRAFT)
    with committed():
        talk = make_talk(event, title="Maps", slug="maps")
        make_talk(event, title="Routes", slug="routes")
    with committed():
        publishing.publish_event(event)

    # At once, within CHANGELOG_GROUP_MINUTES: a change is news of its own, not part of the publication.
    with committed():
        talk.title = "Maps and routes"
        talk.save()
    with committed():
        make_talk(event, title="Late addition", slug="late")

    assert changes_page(client) == [
        (
            "Update 2",
            "1 talk added, 1 talk renamed",
            ["Maps and routes: Renamed from “Maps”.", "Late addition: Added: Mon 16 May, 10:00–10:30 CEST."],
        ),
        ("Update 1", "Programme published: 2 talks", []),
    ]
    assert feed_entries(client) == [
        "Update 2: 1 talk added, 1 talk renamed",
        "Update 1: Programme published: 2 talks",
    ]


def test_publishing_twice_changes_nothing(committed):
    event = make_event(status=Event.Status.DRAFT)
    make_talk(event)
    with committed():
        first = publishing.publish_event(event)
    version = Event.objects.get(pk=event.pk).schedule_version

    again = publishing.publish_event(Event.objects.get(pk=event.pk))

    assert (first.talk_count, again) == (1, None)
    assert ScheduleUpdate.objects.filter(event=event).count() == 1
    assert Event.objects.get(pk=event.pk).schedule_version == version


def test_an_event_published_without_talks_says_so(client):
    event = make_event(slug="summit", status=Event.Status.DRAFT)

    publishing.publish_event(event)

    assert changes_page(client) == [("Update 1", "Programme published: 0 talks", [])]
    assert AnnouncedTalk.objects.count() == 0


def test_the_changelog_says_only_once_that_an_event_was_published():
    event = make_event()
    ScheduleUpdate.objects.create(event=event, number=1, kind=ScheduleUpdate.Kind.PUBLISHED, talk_count=3)
    ScheduleUpdate.objects.create(
        event=make_event(), number=1, kind=ScheduleUpdate.Kind.PUBLISHED, talk_count=1
    )
    ScheduleUpdate.objects.create(event=event, number=2)  # changes after it are as many as they are

    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleUpdate.objects.create(event=event, number=3, kind=ScheduleUpdate.Kind.PUBLISHED, talk_count=3)


@pytest.mark.parametrize(
    "kind, talk_count, allowed",
    [
        (ScheduleUpdate.Kind.PUBLISHED, 0, True),
        (ScheduleUpdate.Kind.CHANGES, None, True),
        (ScheduleUpdate.Kind.PUBLISHED, None, False),
        (ScheduleUpdate.Kind.CHANGES, 2, False),
    ],
)
def test_only_the_entry_of_a_publication_counts_talks(kind, talk_count, allowed):
    def create():
        ScheduleUpdate.objects.create(event=make_event(), number=1, kind=kind, talk_count=talk_count)

    if allowed:
        create()
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            create()


# Where drafts come from ----------------------------------------------------------------------------------


def test_a_new_event_is_a_draft():
    event = Event.objects.create(
        name="New", slug="new", time_zone="UTC", start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 1, 1)
    )

    assert event.status == Event.Status.DRAFT


def test_a_copied_event_is_a_draft_of_a_published_one():
    event = make_event(slug="summit-2022", name="Summit 2022")

    copy = copying.copy_event(event, name="Summit 2023", slug="summit-2023", start_date=dt.date(2023, 5, 15))

    assert (event.status, copy.status) == (Event.Status.PUBLISHED, Event.Status.DRAFT)
    assert Client().get("/summit-2023/").status_code == 404


def test_an_imported_new_event_is_a_draft_and_publish_publishes_it():
    sample = "tests/data/sample-frab.xml"
    call_command("import_frab", sample, "--event", "draft-summit", stdout=io.StringIO())
    call_command("import_frab", sample, "--event", "public-summit", "--publish", stdout=io.StringIO())

    draft, public = Event.objects.get(slug="draft-summit"), Event.objects.get(slug="public-summit")
    assert (draft.status, public.status) == (Event.Status.DRAFT, Event.Status.PUBLISHED)
    assert list(public.schedule_updates.values_list("kind", "talk_count")) == [
        (ScheduleUpdate.Kind.PUBLISHED, 4)
    ]
    assert Client().get("/draft-summit/schedule.xml").status_code == 404
    assert Client().get("/public-summit/schedule.xml").status_code == 200


def test_importing_again_into_a_published_event_keeps_it_published():
    sample = "tests/data/sample-frab.xml"
    event = make_event(slug="summit")

    call_command("import_frab", sample, "--event", "summit", stdout=io.StringIO())

    assert Event.objects.get(pk=event.pk).status == Event.Status.PUBLISHED
    assert not ScheduleUpdate.objects.filter(kind=ScheduleUpdate.Kind.PUBLISHED).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_existing_event_published():
    executor = MigrationExecutor(connection)
    executor.migrate([("events", "0016_event_language")])
    before = executor.loader.project_state([("events", "0016_event_language")]).apps
    before.get_model("events", "Event").objects.create(
        name="Old", slug="old", time_zone="UTC", start_date=dt.date(2022, 1, 1), end_date=dt.date(2022, 1, 1)
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Event.objects.get(slug="old").status == Event.Status.PUBLISHED
    assert (
        Event.objects.create(
            name="New",
            slug="new",
            time_zone="UTC",
            start_date=dt.date(2030, 1, 1),
            end_date=dt.date(2030, 1, 1),
        ).status
        == Event.Status.DRAFT
    )


def test_the_fixture_s_event_is_published(kubecon, client):
    assert kubecon.status == Event.Status.PUBLISHED
    assert client.get("/kubecon-eu-2022/schedule/").status_code == 200


# The admin -----------------------------------------------------------------------------------------------


def admin_page(client, event):
    return lxml.html.fromstring(client.get(reverse("admin:events_event_change", args=[event.pk])).content)


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


def test_a_draft_s_admin_page_has_a_publish_button_that_publishes_it(organiser_client, committed):
    event, _session, _signup = summit(Event.Status.DRAFT)
    page = admin_page(organiser_client, event)
    publish_url = reverse("admin:events_event_publish", args=[event.pk])
    assert page.xpath("//ul[@class='object-tools']//form/@action") == [publish_url]
    assert page.xpath("string(//ul[@class='object-tools']//form//button)") == "Publish"

    with committed():
        response = organiser_client.post(publish_url)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_change", args=[event.pk])
    assert messages_of(response) == ["Summit 2022 is published, with 1 talk: everybody sees its pages now."]
    assert Event.objects.get(pk=event.pk).status == Event.Status.PUBLISHED
    assert admin_page(organiser_client, event).xpath("//ul[@class='object-tools']//form") == []
    assert Client().get("/summit/").status_code == 200


def test_the_publish_address_takes_only_a_post_from_someone_who_may_change_the_event(
    client, django_user_model
):
    event, _session, _signup = summit(Event.Status.DRAFT)
    url = reverse("admin:events_event_publish", args=[event.pk])
    viewer = django_user_model.objects.create_user("vera", password="x" * 20, is_staff=True)
    viewer.user_permissions.add(*organisers_group().permissions.filter(codename="view_event"))
    client.force_login(viewer)

    refused = client.post(url)

    assert refused.status_code == 403
    assert Event.objects.get(pk=event.pk).status == Event.Status.DRAFT


def test_the_publish_address_answers_a_get_with_405(organiser_client):
    event, _session, _signup = summit(Event.Status.DRAFT)

    response = organiser_client.get(reverse("admin:events_event_publish", args=[event.pk]))

    assert response.status_code == 405
    assert Event.objects.get(pk=event.pk).status == Event.Status.DRAFT


def test_the_events_list_publishes_the_chosen_drafts(organiser_client):
    draft = make_event(name="Draft Summit", status=Event.Status.DRAFT)
    make_talk(draft)
    make_talk(draft)
    published = make_event(name="Old Summit")
    url = reverse("admin:events_event_changelist")

    response = organiser_client.post(
        url, {"action": "publish_events", "_selected_action": [draft.pk, published.pk]}, follow=True
    )

    assert sorted(messages_of(response)) == [
        "Draft Summit is published, with 2 talks: everybody sees its pages now.",
        "Old Summit was published already.",
    ]
    assert set(Event.objects.values_list("status", flat=True)) == {Event.Status.PUBLISHED}
    statuses = lxml.html.fromstring(organiser_client.get(url + "?status__exact=draft").content)
    assert statuses.xpath("//table[@id='result_list']/tbody/tr") == []


def test_copying_in_the_admin_makes_a_draft_and_says_so(organiser_client):
    event = make_event(name="Summit 2022", slug="summit-2022", start_date=dt.date(2022, 5, 16))

    response = organiser_client.post(
        reverse("admin:events_event_changelist"),
        {
            "action": "copy_event",
            "_selected_action": [event.pk],
            "apply": "1",
            "name": "Summit 2023",
            "slug": "summit-2023",
            "start_date": "2023-05-15",
        },
        follow=True,
    )

    copy = Event.objects.get(slug="summit-2023")
    assert copy.status == Event.Status.DRAFT
    assert messages_of(response)[-1] == (
        "Summit 2023 is a draft, seen by organisers only: publish it once its texts are this year’s."
    )
    assert (
        admin_page(organiser_client, copy)
        .xpath("string(//p[@class='draft-note'])")
        .startswith("This event is a draft")
    )


def test_a_signup_to_a_draft_s_office_hours_is_refused_to_the_public():
    _event, session, _signup = summit(Event.Status.DRAFT)

    response = Client().post(f"/summit/office-hours/{session.pk}/signup/", signup_form())

    assert response.status_code == 404
    assert list(Signup.objects.values_list("email", flat=True)) == [session.signups.get().email]
