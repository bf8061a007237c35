"""Which talks of a programme a community's words find: whole words, any letter case, accents aside, any of
several words or a quoted phrase; from the command line and in the admin alike."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from events import matching
from events.exchange.programme import FoundSpeaker, FoundTalk
from events.models import Talk
from tests.factories import MADRID, make_event

TITLES = [
    "Zero trust for cluster networking",
    "The frustration of debugging packets",
    "Writing eBPF programs in Rust",
    "RUST and the kernel",
    "Rüstzeug for operators",
    "Rüst: a build tool",
    "Service mesh without sidecars",
    "A mesh of services",
    "Rust's borrow checker in the datapath",
]


@pytest.mark.parametrize(
    "query, found",
    [
        ("Rust", ["Writing eBPF programs in Rust", "RUST and the kernel", "Rüst: a build tool",
                  "Rust's borrow checker in the datapath"]),
        ("rust", ["Writing eBPF programs in Rust", "RUST and the kernel", "Rüst: a build tool",
                  "Rust's borrow checker in the datapath"]),
        ("Rüst", ["Writing eBPF programs in Rust", "RUST and the kernel", "Rüst: a build tool",
                  "Rust's borrow checker in the datapath"]),
        ("trust", ["Zero trust for cluster networking"]),
        ('"service mesh"', ["Service mesh without sidecars"]),
        ('"mesh without', ["Service mesh without sidecars"]),  # a phrase still being typed
        ("“service mesh”", ["Service mesh without sidecars"]),  # quotes as a keyboard curls them
        ("sidecars frustration", ["The frustration of debugging packets", "Service mesh without sidecars"]),
        ('kernel "zero trust"', ["Zero trust for cluster networking", "RUST and the kernel"]),
        ("mesh, services", ["Service mesh without sidecars", "A mesh of services"]),
        ("service", ["Service mesh without sidecars"]),  # not “services”
        ("", TITLES),
        ('""', TITLES),
    ],
)  # fmt: skip
def test_words_are_found_whole_in_any_case_and_accent(query, found):
    assert [title for title in TITLES if matching.matches(query, [title])] == found


def test_a_hyphen_joins_the_parts_of_one_word():
    speaker = ["Peter Murray-Rust"]

    assert (matching.matches("Rust", speaker), matching.matches("Murray-Rust", speaker)) == (False, True)
    assert matching.matches("murray", speaker) is False


def test_a_phrase_is_not_found_across_two_texts():
    texts = ["Scaling the service", "Mesh operators explain"]

    assert (matching.matches('"service mesh"', texts), matching.matches("service mesh", texts)) == (
        False,
        True,
    )


def test_the_words_of_a_query_are_folded_as_the_texts_are():
    assert matching.phrases_of('Rust  "Service   MESH" Cilium, Rust é') == [
        "rust",
        "service mesh",
        "cilium",
        "e",
    ]
    assert matching.haystack(["Rüst, ja!", "", "Dr. Murray-Rust"]) == " rust ja | dr murray-rust "


def found_talk(title, abstract="", speakers=()):
    return FoundTalk(
        uid=title,
        title=title,
        starts_at=dt.datetime(2022, 5, 18, 11, 0, tzinfo=MADRID),
        ends_at=dt.datetime(2022, 5, 18, 11, 30, tzinfo=MADRID),
        abstract=abstract,
        speakers=[FoundSpeaker(*speaker) for speaker in speakers],
    )


def test_a_found_talk_is_matched_on_its_title_abstract_speakers_and_affiliations():
    talks = [
        found_talk("Chemistry notebooks", speakers=[("Peter Murray-Rust", "Cambridge")]),
        found_talk("Zero trust", abstract="Frustration-free policies."),
        found_talk("Safe drivers", abstract="Drivers written in Rust."),
        found_talk("Tooling", speakers=[("Ana Sample", "Rust Foundation")]),
    ]

    assert [talk.title for talk in talks if talk.matches("Rust")] == ["Safe drivers", "Tooling"]


# The command line -----------------------------------------------------------------------------------------

PROGRAMME = (
    b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
"""
    + b"".join(
        f"BEGIN:VEVENT\r\nUID:talk-{n}@example.org\r\nDTSTAMP:20220501T000000Z\r\n"
        f"DTSTART:20220516T{8 + n:02d}0000Z\r\nDTEND:20220516T{8 + n:02d}3000Z\r\nSUMMARY:{title}\r\n"
        f"DESCRIPTION:{abstract}\r\nEND:VEVENT\r\n".encode()
        for n, (title, abstract) in enumerate(
            [
                ("Zero trust networking", "Policies for everyone."),
                ("The frustration of on-call", "Stories."),
                ("Chemistry on notebooks", "Speakers: Peter Murray-Rust (Cambridge)"),
                ("Safe drivers", "Kernel drivers written in Rust."),
                ("Rüst: a build tool", "Builds."),
                ("Service mesh without sidecars", "Cilium."),
            ]
        )
    )
    + b"END:VCALENDAR\r\n"
)


@pytest.fixture
def programme(tmp_path):
    path = tmp_path / "programme.ics"
    path.write_bytes(PROGRAMME)
    return path


def import_talks(path, *args):
    out = io.StringIO()
    call_command("import_talks", str(path), "--event", "summit", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_match_from_the_command_line_takes_whole_words_and_imports_drafts(programme):
    event = make_event(slug="summit")

    output = import_talks(programme, "--match", "Rust")

    assert output.splitlines()[:-1] == [
        "Found 6 talks, 2 with “Rust”. Created: 2 talks, 0 speakers, 0 rooms. Updated: 0 talks, 0 speakers.",
        "The new talks are drafts: publish them in the admin (Talks › Publish selected talks), "
        "or import with --publish.",
    ]
    assert sorted(event.talks.values_list("title", "status")) == [
        ("Rüst: a build tool", Talk.Status.DRAFT),
        ("Safe drivers", Talk.Status.DRAFT),
    ]


@pytest.mark.django_db
def test_several_words_and_a_phrase_from_the_command_line_and_publish(programme):
    event = make_event(slug="summit")

    output = import_talks(programme, "--match", 'Cilium "zero trust"', "--publish")

    assert output.splitlines()[:-1] == [
        'Found 6 talks, 2 with “Cilium "zero trust"”. Created: 2 talks, 0 speakers, 0 rooms. '
        "Updated: 0 talks, 0 speakers."
    ]
    assert sorted(event.talks.values_list("title", "status")) == [
        ("Service mesh without sidecars", Talk.Status.PUBLISHED),
        ("Zero trust networking", Talk.Status.PUBLISHED),
    ]


@pytest.mark.django_db
def test_draft_and_publish_cannot_be_given_together(programme):
    make_event(slug="summit")

    with pytest.raises(CommandError, match="not allowed with argument"):
        import_talks(programme, "--draft", "--publish")

    assert Talk.objects.count() == 0
