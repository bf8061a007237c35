"""The shipped fixture is the announcement, exactly: titles, CEST times, booth, office hours, pages and exports."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from events.models import Booth, Event, OfficeHours, Room, Speaker, Talk, TalkSpeaker, Track
from tests.test_exports import get_json, get_xml, json_events, version_of
from tests.test_views import parse, talk_titles, texts

pytestmark = pytest.mark.django_db

CEST = ZoneInfo("Europe/Madrid")

# (title, day of May 2022, start, end) as the announcement gives them, in CEST.
ANNOUNCED = [
    (
        "IKEA Private Cloud, eBPF Based Networking, Load Balancing, and Observability with Cilium",
        16,
        "10:45",
        "11:15",
    ),
    ("Leveraging Cilium and SRv6 for Telco Networking", 16, "10:50", "11:20"),
    ("Connecting Klusters on the edge with deep dive into Cilium Cluster Mesh", 17, "11:35", "11:45"),
    ("The Future of Service Mesh: Is eBPF a Silver Lining or a Silver Bullet", 17, "16:05", "17:05"),
    ("Transparent Live Migration of Services Between Kubernetes Clusters", 19, "15:25", "16:00"),
    ("Cilium: Welcome, Vision and Updates", 19, "15:25", "16:00"),
    ("Choosing Cloud Native Technologies for the Journey to Multi-cloud", 19, "15:25", "16:00"),
    ("Kubernetes Networking 101", 20, "11:00", "12:30"),
    ("Logs Told Us It Was DNS, It Felt Like DNS, It Had To Be DNS, It Wasn’t DNS", 20, "11:55", "12:30"),
    ("Better Bandwidth Management with eBPF", 20, "14:00", "14:35"),
    ("A Guided Tour of Cilium Service Mesh", 20, "16:00", "16:35"),
]


def cest(day, hhmm):
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime(2022, 5, day, hour, minute, tzinfo=CEST)


def test_the_event_is_kubecon_eu_2022_in_valencia(kubecon):
    assert kubecon.name == "KubeCon + CloudNativeCon Europe 2022"
    assert kubecon.time_zone == "Europe/Madrid"
    assert (kubecon.start_date, kubecon.end_date) == (dt.date(2022, 5, 16), dt.date(2022, 5, 20))
    assert kubecon.city == "Valencia, Spain"


def test_the_eleven_announced_talks_are_published_at_their_cest_times(kubecon):
    talks = {t.title: t for t in kubecon.talks.all()}

    assert len(talks) == 11
    assert sorted(talks) == sorted(title for title, *_ in ANNOUNCED)
    for title, day, start, end in ANNOUNCED:
        talk = talks[title]
        assert (talk.starts_at, talk.ends_at) == (cest(day, start), cest(day, end)), title
        assert talk.status == Talk.Status.PUBLISHED
        assert kubecon.localtime(talk.starts_at).tzname() == "CEST"


def test_the_only_speaker_is_the_one_the_announcement_names(kubecon):
    assert [(s.name, s.affiliation) for s in Speaker.objects.all()] == [("Daniel Bernier", "Bell Canada")]
    srv6 = kubecon.talks.get(title="Leveraging Cilium and SRv6 for Telco Networking")
    assert [s.name for s in srv6.speakers.all()] == ["Daniel Bernier"]
    assert TalkSpeaker.objects.count() == 1


def test_no_rooms_or_tracks_are_invented(kubecon):
    assert Room.objects.count() == 0
    assert Track.objects.count() == 0


def test_abstracts_are_as_written_with_bullets_as_markdown_lists(kubecon):
    ikea = kubecon.talks.get(slug__startswith="ikea-private-cloud")
    assert ikea.abstract.startswith("The digital systems of IKEA are situated in public cloud")
    assert "\n- Connecting Kubernetes workloads across our BGP network\n" in ikea.abstract
    assert ikea.abstract.endswith("build and instrument your network and obtain great observability.")
    tour = kubecon.talks.get(title="A Guided Tour of Cilium Service Mesh")
    assert (
        "\n- Compare the resources used (in both userspace and the kernel) for both models\n" in tour.abstract
    )


def test_the_booth_offers_swag_and_its_place_and_staffing_are_still_to_be_announced(client, kubecon):
    with mock.patch("django.utils.timezone.now", return_value=cest(1, "12:00")):
        tree = parse(client.get("/kubecon-eu-2022/booth/"))

    assert texts(tree, "//section[@class='booth']/h2") == ["Cilium booth"]
    assert texts(tree, "//section[@class='booth']//p") == [
        "At the conference, Valencia, Spain. The exact spot will be announced.",
        "Stop by the Cilium booth to get your Cilium swag.",
        "Staffing times will be announced. The booth is open while the exhibition hall is open.",
    ]


def test_after_the_event_the_booth_page_says_where_it_was_without_promises(client, kubecon):
    tree = parse(client.get("/kubecon-eu-2022/booth/"))

    assert texts(tree, "//section[@class='booth']//p") == [
        "At the conference, Valencia, Spain.",
        "Stop by the Cilium booth to get your Cilium swag.",
        "The booth was open while the exhibition hall was open.",
    ]
    assert texts(tree, "//section[@class='booth']/h3")[-1] == "When it was staffed"


def test_virtual_office_hours_on_wednesday_from_12_30_to_13_15_cest(kubecon):
    office_hours = OfficeHours.objects.get(event=kubecon)

    assert office_hours.format == OfficeHours.Format.VIRTUAL
    assert (office_hours.starts_at, office_hours.ends_at) == (cest(18, "12:30"), cest(18, "13:15"))
    assert kubecon.localtime(office_hours.starts_at).strftime("%A %H:%M %Z") == "Wednesday 12:30 CEST"
    assert office_hours.join_url == ""


def test_loading_the_fixture_twice_changes_nothing(kubecon):
    models = [Event, Talk, Speaker, TalkSpeaker, Booth, OfficeHours]
    before = {m.__name__: sorted(m.objects.values_list()) for m in models}

    call_command("loaddata", "fixtures/kubecon-eu-2022.json", verbosity=0)

    after = {m.__name__: sorted(m.objects.values_list()) for m in models}
    # updated_at moves with every save, and the schedule version and its time count every load (caches must not
    # outlive a reset); everything else stays as it was.
    for rows in (before, after):
        for model, moving in [(Talk, {"updated_at"}), (Event, {"schedule_version", "schedule_changed_at"})]:
            skip = {i for i, field in enumerate(model._meta.concrete_fields) if field.name in moving}
            rows[model.__name__] = [
                tuple(v for i, v in enumerate(row) if i not in skip) for row in rows[model.__name__]
            ]
    assert after == before


def test_reloading_the_fixture_does_not_reset_the_schedule_version(kubecon):
    before = version_of(kubecon)

    call_command("loaddata", "fixtures/kubecon-eu-2022.json", verbosity=0)

    assert version_of(kubecon) > before


# The fixture as visitors and apps see it


def test_the_schedule_lists_the_eleven_announced_titles_in_time_order(client, kubecon):
    response = client.get("/kubecon-eu-2022/schedule/")

    assert response.status_code == 200
    titles = talk_titles(parse(response))
    assert sorted(titles) == sorted(title for title, *_ in ANNOUNCED)
    assert titles[:2] == [
        "IKEA Private Cloud, eBPF Based Networking, Load Balancing, and Observability with Cilium",
        "Leveraging Cilium and SRv6 for Telco Networking",
    ]
    assert titles[-1] == "A Guided Tour of Cilium Service Mesh"


def test_the_frab_xml_of_the_fixture_is_valid_with_the_announced_talks(client, kubecon):
    _, document = get_xml(client, kubecon)

    talks = document.findall("day/room/event")
    assert sorted((e.findtext("title"), e.findtext("date"), e.findtext("duration")) for e in talks) == sorted(
        (title, cest(day, start).isoformat(), f"{cest(day, end) - cest(day, start)}"[:-3].zfill(5))
        for title, day, start, end in ANNOUNCED
    )


def test_the_c3voc_json_of_the_fixture_is_valid_with_the_announced_talks(client, kubecon):
    _, data = get_json(client, kubecon)

    assert sorted((e["title"], e["date"], e["start"]) for e in json_events(data)) == sorted(
        (title, cest(day, start).isoformat(), start) for title, day, start, _ in ANNOUNCED
    )
