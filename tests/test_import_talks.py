"""Talks brought in from a conference's programme (frab XML or iCalendar), by the command and in the admin."""

import datetime as dt
import http.server
import io
import re
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.core.management import CommandError, call_command
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse

from events.exchange import fetching, programme, reading
from events.models import Event, Room, Speaker, Talk, TalkSpeaker
from tests.factories import make_event, make_speaker

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
ICS = DATA / "sched-programme.ics"
FRAB = DATA / "sample-frab.xml"
MADRID = ZoneInfo("Europe/Madrid")
BERLIN = ZoneInfo("Europe/Berlin")


def kubecon():
    return make_event(slug="kubecon", name="KubeCon EU 2022", time_zone="Europe/Madrid")


DRAFTS_NOTE = "The new talks are drafts: publish them in the admin (Talks › Publish selected talks), or import with --publish."


def import_talks(source, *args):
    """The command's output but its last line, which says how long it took, and the note that new talks are
    drafts (tests/test_matching.py reads it), which comes before."""
    out = io.StringIO()
    call_command("import_talks", str(source), *args, stdout=out)
    *lines, took = out.getvalue().strip().splitlines()
    assert re.fullmatch(r"Read in \d+\.\d s, written in \d+\.\d s \(\d+\.\d s in all\)\.", took)
    return "\n".join(line for line in lines if line != DRAFTS_NOTE)


def talks_of(event):
    return [
        (
            talk.title,
            talk.starts_at.astimezone(MADRID).strftime("%a %d %H:%M"),
            talk.ends_at.astimezone(MADRID).strftime("%H:%M"),
            talk.room.name if talk.room else None,
            [(s.name, s.affiliation) for s in talk.speakers.order_by("talk_speakers__position")],
        )
        for talk in event.talks.select_related("room").order_by("starts_at")
    ]


def snapshot():
    return {
        model.__name__: sorted(model.objects.values_list()) for model in [Talk, Room, Speaker, TalkSpeaker]
    }


def test_the_icalendar_file_gives_its_talks_in_their_zones_without_the_all_day_entry():
    found = reading.read_programme(ICS.read_bytes(), tz=MADRID).talks

    assert [(t.title, t.starts_at.astimezone(MADRID), t.ends_at.astimezone(MADRID), t.room, t.line) for t in found] == [
        ("Cilium Mesh: Networking Across Clusters",  # TZID with its VTIMEZONE
         dt.datetime(2022, 5, 18, 11, 0, tzinfo=MADRID), dt.datetime(2022, 5, 18, 11, 30, tzinfo=MADRID),
         "Hall 8 | Room F", 51),
        ("eBPF for Observability at Scale",  # UTC
         dt.datetime(2022, 5, 19, 10, 0, tzinfo=MADRID), dt.datetime(2022, 5, 19, 10, 35, tzinfo=MADRID),
         "Hall 7 | Room A", 63),
        ("Service Mesh Without Sidecars",  # floating: the venue's time; the placeholder room is no room
         dt.datetime(2022, 5, 20, 14, 0, tzinfo=MADRID), dt.datetime(2022, 5, 20, 14, 45, tzinfo=MADRID), "", 74),
        ("Running Kubernetes Networking in the Wild: a User Panel",  # a zone known only by its VTIMEZONE
         dt.datetime(2022, 5, 17, 11, 0, tzinfo=MADRID), dt.datetime(2022, 5, 17, 11, 50, tzinfo=MADRID),
         "Virtual", 84),
    ]  # fmt: skip
    mesh = found[0]
    assert mesh.uid == "ytkx-cilium-mesh@kccnceu2022.sched.com"
    assert mesh.conference_url == "https://kccnceu2022.sched.com/event/ytkx/cilium-mesh"
    assert mesh.abstract == (
        "How clusters in several clouds share one network, with identities that follow the workloads."
    )
    assert [(s.name, s.affiliation) for s in mesh.speakers] == [
        ("Liz Rice", "Isovalent"),
        ("Thomas Graf", "Isovalent"),
    ]


def test_the_command_imports_the_icalendar_file_and_a_second_time_changes_nothing():
    event = kubecon()

    first = import_talks(ICS, "--event", "kubecon", "--publish")
    before = snapshot()
    second = import_talks(ICS, "--event", "kubecon", "--publish")

    assert first == "Found 4 talks. Created: 4 talks, 5 speakers, 3 rooms. Updated: 0 talks, 0 speakers."
    assert second == "Found 4 talks. Created: 0 talks, 0 speakers, 0 rooms. Updated: 0 talks, 0 speakers."
    assert snapshot() == before
    assert talks_of(event) == [
        ("Running Kubernetes Networking in the Wild: a User Panel", "Tue 17 11:00", "11:50", "Virtual",
         [("Bob Builder", "Acme Corp"), ("Ana Sample", "")]),
        ("Cilium Mesh: Networking Across Clusters", "Wed 18 11:00", "11:30", "Hall 8 | Room F",
         [("Liz Rice", "Isovalent"), ("Thomas Graf", "Isovalent")]),
        ("eBPF for Observability at Scale", "Thu 19 10:00", "10:35", "Hall 7 | Room A", [("Ana Sample", "")]),
        ("Service Mesh Without Sidecars", "Fri 20 14:00", "14:45", None, [("Jane Doe", "Google")]),
    ]  # fmt: skip
    mesh = event.talks.get(source_uid="ytkx-cilium-mesh@kccnceu2022.sched.com")
    assert (mesh.slug, mesh.status, mesh.conference_url) == (
        "cilium-mesh-networking-across-clusters",
        Talk.Status.PUBLISHED,
        "https://kccnceu2022.sched.com/event/ytkx/cilium-mesh",
    )


def test_a_changed_programme_updates_the_talks_in_place_and_keeps_the_organisers_status(tmp_path):
    event = kubecon()
    import_talks(ICS, "--event", "kubecon")
    mesh = event.talks.get(source_uid="ytkx-cilium-mesh@kccnceu2022.sched.com")
    event.talks.filter(pk=mesh.pk).update(status=Talk.Status.CANCELLED)
    moved = tmp_path / "moved.ics"
    moved.write_bytes(
        ICS.read_bytes()
        .replace(b"Europe/Madrid:20220518T110000", b"Europe/Madrid:20220518T120000")
        .replace(b"Europe/Madrid:20220518T113000", b"Europe/Madrid:20220518T123000")
        .replace(b"Thomas G\r\n raf (Isovalent)", b"Ana Sample")
    )

    output = import_talks(moved, "--event", "kubecon")

    assert output == "Found 4 talks. Created: 0 talks, 0 speakers, 0 rooms. Updated: 1 talks, 0 speakers."
    talk = event.talks.get(pk=mesh.pk)
    assert (talk.starts_at.astimezone(MADRID).hour, talk.status, talk.sequence) == (
        12,
        Talk.Status.CANCELLED,
        1,
    )
    assert [s.name for s in talk.speakers.order_by("talk_speakers__position")] == ["Liz Rice", "Ana Sample"]
    assert event.talks.count() == 4


def test_match_imports_only_the_talks_with_the_word_in_title_abstract_or_affiliation():
    event = kubecon()

    cilium = import_talks(ICS, "--event", "kubecon", "--match", "cilium")
    acme = import_talks(ICS, "--event", "kubecon", "--match", "Acme")

    assert cilium.startswith("Found 4 talks, 2 with “cilium”. Created: 2 talks")
    assert acme.startswith("Found 4 talks, 1 with “Acme”. Created: 1 talks")
    assert sorted(event.talks.values_list("title", flat=True)) == [
        "Cilium Mesh: Networking Across Clusters",  # in the title
        "Running Kubernetes Networking in the Wild: a User Panel",  # a speaker's affiliation
        "Service Mesh Without Sidecars",  # in the abstract
    ]


def test_speakers_are_matched_by_name_and_their_missing_affiliation_filled_in():
    liz = make_speaker(name="liz rice", affiliation="")
    event = kubecon()

    import_talks(ICS, "--event", "kubecon", "--match", '"Mesh: Networking"')

    liz.refresh_from_db()
    assert liz.affiliation == "Isovalent"
    assert list(event.talks.get().speakers.order_by("talk_speakers__position")) == [
        liz,
        Speaker.objects.get(name="Thomas Graf"),
    ]


def test_a_pretalx_frab_file_imports_its_talks_into_the_event_as_drafts():
    event = make_event(
        slug="summit",
        time_zone="Europe/Berlin",
        start_date=dt.date(2022, 9, 28),
        end_date=dt.date(2022, 9, 29),
    )

    first = import_talks(FRAB, "--event", "summit", "--draft")
    second = import_talks(FRAB, "--event", "summit")

    assert first.splitlines()[0] == (
        "Found 4 talks. Created: 4 talks, 2 speakers, 2 rooms. Updated: 0 talks, 0 speakers."
    )
    assert second == "Found 4 talks. Created: 0 talks, 0 speakers, 0 rooms. Updated: 0 talks, 0 speakers."
    keynote = event.talks.get(title="Opening Keynote")
    assert (
        keynote.source_uid,
        keynote.status,
        keynote.starts_at,
        keynote.room.name,
        keynote.conference_url,
    ) == (
        "0c7d6f3e-1111-4a4a-8b8b-000000000001",
        Talk.Status.DRAFT,
        dt.datetime(2022, 9, 28, 9, 0, tzinfo=BERLIN),
        "Main Stage",
        "https://pretalx.example.org/ebpf-sample-2022/talk/ABC123/",
    )
    assert [
        s.name
        for s in event.talks.get(title="Tracing the Datapath").speakers.order_by("talk_speakers__position")
    ] == [
        "Ana Sample",
        "Liz Example",
    ]


def test_talks_import_frab_brought_in_are_updated_not_added_again():
    call_command("import_frab", str(FRAB), event="summit", stdout=io.StringIO())
    event = Event.objects.get(slug="summit")
    before = sorted(event.talks.values_list("pk", "title"))

    output = import_talks(FRAB, "--event", "summit")

    assert output == "Found 4 talks. Created: 0 talks, 0 speakers, 0 rooms. Updated: 4 talks, 0 speakers."
    assert sorted(event.talks.values_list("pk", "title")) == before
    assert event.talks.get(title="Opening Keynote").source_uid == "0c7d6f3e-1111-4a4a-8b8b-000000000001"


def test_talks_outside_the_events_days_are_imported_with_a_warning():
    make_event(
        slug="kubecon",
        time_zone="Europe/Madrid",
        start_date=dt.date(2022, 5, 18),
        end_date=dt.date(2022, 5, 19),
    )

    output = import_talks(ICS, "--event", "kubecon")

    assert output.splitlines()[1] == (
        "2 of them start outside the event's days (2022-05-18 to 2022-05-19): "
        "Service Mesh Without Sidecars, Running Kubernetes Networking in the Wild: a User Panel."
    )


def broken(tmp_path, old, new):
    path = tmp_path / "broken.ics"
    data = ICS.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))
    return path


@pytest.mark.parametrize(
    "old, new, message",
    [
        (b"END:VEVENT\r\nBEGIN:VEVENT\r\nDTSTAMP:20220510T120000Z\r\nUID:ytcd", b"BEGIN:VEVENT\r\nDTSTAMP:20220510T120000Z\r\nUID:ytcd",
         "line 73: BEGIN:VEVENT inside the VEVENT of line 63, which has no END:VEVENT."),
        (b"SUMMARY:Service Mesh Without Sidecars", b"Service Mesh Without Sidecars",
         "line 79: “Service Mesh Without Sidecars” is not an iCalendar line (NAME:value)."),
    ],
)  # fmt: skip
def test_a_broken_icalendar_file_is_refused_naming_the_line_and_nothing_is_imported(
    tmp_path, old, new, message
):
    event = kubecon()
    import_talks(ICS, "--event", "kubecon", "--match", "Observability")
    before = snapshot()
    path = broken(tmp_path, old, new)

    with pytest.raises(CommandError) as error:
        import_talks(path, "--event", "kubecon")

    assert str(error.value).startswith(f"{path}: {message.rstrip('.')}")
    assert str(error.value).endswith(". Nothing was imported.")
    assert snapshot() == before
    assert event.talks.count() == 1


@pytest.mark.parametrize(
    "old, new, skipped",
    [
        (b"DTSTART:20220519T080000Z", b"DTSTART:20220519T0800", "line 66: “eBPF for Observability at Scale”: DTSTART: cannot be read: "),
        (b"DTEND:20220519T083500Z", b"DTEND:20220519T073500Z",
         "line 67: “eBPF for Observability at Scale”: DTEND: the event has no length: it ends when it starts (a milestone, not a talk)."),
        (b"DTEND:20220519T083500Z", b"DTEND:20220519T080000Z",
         "line 67: “eBPF for Observability at Scale”: DTEND: the event has no length: it ends when it starts (a milestone, not a talk)."),
        (b"UID:ytcd-sidecarless@kccnceu2022.sched.com\r\n", b"",
         "line 74: “Service Mesh Without Sidecars”: BEGIN: the event has no UID, which tells it apart when the file is imported again."),
        (b"UID:ytcd-sidecarless@kccnceu2022.sched.com", b"UID:ytab-ebpf-observability@kccnceu2022.sched.com",
         "line 76: “Service Mesh Without Sidecars”: UID: the UID “ytab-ebpf-observability@kccnceu2022.sched.com” is already the UID of the event on line 63."),
        (b"DURATION:PT45M\r\n", b"",
         "line 77: “Service Mesh Without Sidecars”: DTSTART: the event has no end time (DTEND or DURATION): a milestone, not a talk."),
        (b"DTSTART:20220520T140000", b"DTSTART:99991231T140000\r\nX-NOTE:next year",
         "line 77: “Service Mesh Without Sidecars”: DTSTART: the time is not between the years 1970 and 9000."),
        (b"DTSTART:20220520T140000", b"DTSTART:00010101T000000",
         "line 77: “Service Mesh Without Sidecars”: DTSTART: the time is not between the years 1970 and 9000."),
        (b"SUMMARY:Service Mesh Without Sidecars", b"SUMMARY:Service Mesh\x00Without Sidecars",
         "line 79: “Service Mesh\x00Without Sidecars”: SUMMARY: holds control characters."),
    ],
)  # fmt: skip
def test_an_icalendar_entry_without_what_a_talk_needs_is_skipped_and_listed_the_rest_imports(
    tmp_path, old, new, skipped
):
    event = kubecon()
    path = broken(tmp_path, old, new)

    output = import_talks(path, "--event", "kubecon")

    assert output.splitlines()[0].startswith("Found 3 talks. Created: 3 talks")
    assert output.splitlines()[-2] == "Skipped 1 entries:"
    assert output.splitlines()[-1].startswith(f"  {skipped}")  # a reader's own explanation may follow
    assert event.talks.count() == 3


def test_a_broken_frab_file_is_refused_as_import_frab_refuses_it(tmp_path):
    kubecon()
    path = tmp_path / "broken.xml"
    path.write_text(FRAB.read_text().replace("<title>Closing Panel</title>", "<title>Closing Panel</titel>"))

    with pytest.raises(CommandError) as error:
        import_talks(path, "--event", "kubecon")

    assert str(error.value) == (
        f"{path}: line 76: the file is not well-formed XML: Opening and ending tag mismatch: title line 76 and "
        "titel. Nothing was imported."
    )
    assert Talk.objects.count() == 0


def test_a_file_that_is_no_programme_an_unknown_event_or_a_missing_file_is_a_command_error(tmp_path):
    kubecon()
    notes = tmp_path / "notes.txt"
    notes.write_text("Talks we like: the Cilium one.\n")

    with pytest.raises(CommandError) as not_a_programme:
        import_talks(notes, "--event", "kubecon")
    with pytest.raises(CommandError) as no_event:
        import_talks(ICS, "--event", "nope")
    with pytest.raises(CommandError) as missing:
        import_talks(tmp_path / "missing.ics", "--event", "kubecon")

    assert str(not_a_programme.value) == (
        f"{notes}: line 1: this is not a programme: a frab schedule.xml would start with <, a c3voc "
        "schedule.json with {, an iCalendar file with BEGIN:VCALENDAR; this file is neither XML, JSON nor "
        "iCalendar. Nothing was imported."
    )
    assert (
        str(no_event.value) == "There is no event “nope”: create it first (in the admin or with import_frab)."
    )
    assert str(missing.value) == (
        f"{tmp_path / 'missing.ics'}: the file cannot be read: No such file or directory. Nothing was imported."
    )


# By address -----------------------------------------------------------------------------------------------


class ProgrammeServer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow.ics":
            time.sleep(3)
        if self.path == "/moved.ics":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        body = {
            "/programme.ics": ICS.read_bytes(),
            "/big.ics": b"BEGIN:VCALENDAR\r\n" + b"X" * (2 * 1024 * 1024),
        }.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass  # the portal stopped reading

    def log_message(self, *args):
        pass


@pytest.fixture
def programme_server(settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = True  # the test's server is on this machine
    settings.IMPORT_TIMEOUT = 1
    settings.IMPORT_MAX_MB = 1
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ProgrammeServer)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_command_imports_a_programme_by_its_address(programme_server):
    kubecon()

    output = import_talks(f"{programme_server}/programme.ics", "--event", "kubecon", "--match", "Cilium")

    assert output.startswith("Found 4 talks, 2 with “Cilium”. Created: 2 talks")


@pytest.mark.parametrize(
    "path, message",
    [
        ("/missing.ics", "{url} answered 404 Not Found"),
        ("/slow.ics", "{url} did not answer within 1 seconds"),
        ("/big.ics", "{url} sends more than 1 MB"),
        ("/moved.ics", "{url} answered 302 Found - Redirection to url 'file:///etc/passwd' is not allowed"),
    ],
)
def test_an_address_that_fails_is_a_clear_error_and_nothing_is_imported(programme_server, path, message):
    kubecon()
    url = f"{programme_server}{path}"

    with pytest.raises(CommandError) as error:
        import_talks(url, "--event", "kubecon")

    assert str(error.value).startswith(f"{url}: {message.format(url=url)}")
    assert Talk.objects.count() == 0


def test_local_and_private_addresses_are_refused(programme_server, settings):
    settings.IMPORT_ALLOW_PRIVATE_ADDRESSES = False
    url = f"{programme_server}/programme.ics"

    with pytest.raises(programme.ProgrammeError) as loopback:
        fetching.fetch_programme(url)
    with pytest.raises(programme.ProgrammeError) as scheme:
        fetching.fetch_programme("file:///etc/passwd")

    assert str(loopback.value) == "127.0.0.1 is a private or local address (127.0.0.1); give a public one."
    assert str(scheme.value) == "“file:///etc/passwd” is not an http:// or https:// address."


# The admin page -------------------------------------------------------------------------------------------


def import_url(event):
    return reverse("admin:events_event_import_talks", args=[event.pk])


def page_of(response):
    return lxml.html.fromstring(response.content.decode())


def rows(response):
    """(ticked, title) of each talk the page shows (the others are on it, hidden, for the filter as one types)."""
    return [
        (bool(row.xpath(".//input[@name='talks']/@checked")), row.xpath("string(.//label)"))
        for row in page_of(response).xpath("//table[contains(@class, 'found-talks')]/tbody/tr[not(@hidden)]")
    ]


def form_fields(response):
    form = page_of(response).xpath("//form[.//input[@name='payload']]")[0]
    return {"payload": form.xpath(".//input[@name='payload']/@value")[0]}


def test_the_event_page_links_to_the_import_page(organiser_client):
    event = kubecon()

    page = page_of(organiser_client.get(reverse("admin:events_event_change", args=[event.pk])))

    assert page.xpath("//ul[@class='object-tools']//a[text()='Import talks']/@href") == [import_url(event)]


def test_an_organiser_uploads_filters_ticks_and_imports_talks(organiser_client):
    event = kubecon()
    form = organiser_client.get(import_url(event))
    assert form.status_code == 200

    found = organiser_client.post(
        import_url(event),
        {"file": ICS.open("rb"), "address": "", "match": ""},
        content_type=MULTIPART_CONTENT,
    )
    assert found.status_code == 200
    assert rows(found) == [
        (False, "Cilium Mesh: Networking Across Clusters"),
        (False, "eBPF for Observability at Scale"),
        (False, "Service Mesh Without Sidecars"),
        (False, "Running Kubernetes Networking in the Wild: a User Panel"),
    ]
    assert "Wed 18 May, 11:00–11:30 CEST" in found.content.decode()

    filtered = organiser_client.post(
        import_url(event), {**form_fields(found), "match": "Cilium", "_filter": ""}
    )
    assert rows(filtered) == [
        (True, "Cilium Mesh: Networking Across Clusters"),
        (True, "Service Mesh Without Sidecars"),
    ]

    done = organiser_client.post(
        import_url(event),
        {
            **form_fields(filtered),
            "match": "Cilium",
            "talks": ["ytkx-cilium-mesh@kccnceu2022.sched.com"],
            "publish": "on",
            "_import": "",
        },
    )

    assert done.status_code == 302
    assert done["Location"] == f"{reverse('admin:events_talk_changelist')}?event__id__exact={event.pk}"
    assert list(event.talks.values_list("title", "status")) == [
        ("Cilium Mesh: Networking Across Clusters", Talk.Status.PUBLISHED)
    ]
    messages = [m.message for m in done.wsgi_request._messages]
    assert messages == [
        "Imported 1 talks into KubeCon EU 2022: Created: 1 talks, 2 speakers, 1 rooms. Updated: 0 talks, 0 speakers."
    ]


def test_the_admin_imports_by_address_and_as_drafts_unless_told_to_publish(
    organiser_client, programme_server
):
    event = kubecon()

    found = organiser_client.post(
        import_url(event),
        {"address": f"{programme_server}/programme.ics", "match": "Acme"},
        content_type=MULTIPART_CONTENT,
    )
    assert rows(found) == [(True, "Running Kubernetes Networking in the Wild: a User Panel")]
    organiser_client.post(
        import_url(event),
        {
            **form_fields(found),
            "talks": ["ytef-user-panel@kccnceu2022.sched.com"],
            "_import": "",
        },
    )

    assert list(event.talks.values_list("status", flat=True)) == [Talk.Status.DRAFT]


def errors_of(response):
    return [" ".join(p.text_content().split()) for p in page_of(response).xpath("//p[@class='errornote']")]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"address": "", "match": ""}, "Choose a file or give an address: one of the two."),
        ({"address": "file:///etc/passwd", "match": ""}, "“file:///etc/passwd” is not an http:// or https:// address."),
        ({"file": (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "p.ics"), "address": ""},
         "line 3: END:VCALENDAR where END:VEVENT was expected."),
        ({"file": (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "p.ics"), "address": ""},
         "The programme holds no talks (all-day entries are left out)."),
    ],
)  # fmt: skip
def test_bad_input_on_the_import_page_is_a_400_with_a_message(organiser_client, data, message):
    event = kubecon()
    if "file" in data:
        content, name = data["file"]
        data = {**data, "file": io.BytesIO(content)}
        data["file"].name = name

    response = organiser_client.post(import_url(event), data, content_type=MULTIPART_CONTENT)

    assert response.status_code == 400
    assert errors_of(response) == [message]
    assert Talk.objects.count() == 0


def test_a_changed_list_of_talks_is_refused_and_nothing_imported(organiser_client):
    event = kubecon()
    found = organiser_client.post(
        import_url(event), {"file": ICS.open("rb"), "address": ""}, content_type=MULTIPART_CONTENT
    )
    payload = form_fields(found)["payload"]

    tampered = organiser_client.post(
        import_url(event), {"payload": payload[:-2] + "xx", "talks": ["x"], "_import": ""}
    )
    nothing = organiser_client.post(import_url(event), {"payload": payload, "_import": ""})

    assert (tampered.status_code, errors_of(tampered)) == (
        400,
        ["The list of talks was changed or is too old: choose the programme again."],
    )
    assert (nothing.status_code, errors_of(nothing)) == (400, ["Tick at least one talk to import."])
    assert Talk.objects.count() == 0


def test_staff_without_the_right_to_add_talks_cannot_import(client, django_user_model):
    event = kubecon()
    client.force_login(django_user_model.objects.create_user("sam", password="x" * 20, is_staff=True))

    response = client.get(import_url(event))

    assert response.status_code == 403


def test_a_title_pasted_with_a_line_separator_is_read_as_text(tmp_path):
    event = kubecon()
    path = broken(
        tmp_path,
        b"SUMMARY:Service Mesh Without Sidecars",
        "SUMMARY:Service Mesh\u2028Without Sidecars".encode(),
    )

    import_talks(path, "--event", "kubecon", "--match", "Sidecars")

    assert event.talks.get(title__startswith="Service Mesh").title == "Service Mesh Without Sidecars"


def test_the_admin_asks_for_the_venues_zone_of_a_programme_without_one_and_lists_what_it_skipped(
    organiser_client,
):
    event = make_event(slug="fosdem", time_zone="Europe/Brussels")
    pentabarf = DATA / "fosdem-2020-pentabarf.xml"
    text = pentabarf.read_text().replace("<title>Welcome to FOSDEM 2020</title>", "<title></title>")

    refused = organiser_client.post(
        import_url(event),
        {"file": io.BytesIO(text.encode()), "address": "", "match": ""},
        content_type=MULTIPART_CONTENT,
    )
    found = organiser_client.post(
        import_url(event),
        {"file": io.BytesIO(text.encode()), "address": "", "match": "", "time_zone": "Europe/Brussels"},
        content_type=MULTIPART_CONTENT,
    )

    assert refused.status_code == 400
    assert page_of(refused).xpath("string(//p[@class='errornote'])").strip() == (
        "the file names no time zone (<time_zone_name>) and its times carry no UTC offset: give the venue's "
        "zone with the Venue’s time zone field, e.g. Europe/Brussels."
    )
    assert found.status_code == 200
    notes = page_of(found).xpath("//div[@class='import-notes']//li/text()")
    assert "line 16: “keynotes_welcome”: it has no title." in notes
    assert len(rows(found)) == 11
