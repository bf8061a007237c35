"""Which exchange format a file is in, and its Programme: one entry point for the commands and the admin."""

from django.utils.translation import gettext as _

from . import c3voc, frab, ical
from .programme import ProgrammeError


def sniff(data):
    """ "xml", "json" or "ical" by the file's first characters, or None."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:300]
    if b"<html" in head.lower() or head.lower().startswith(b"<!doctype html"):
        return "html"
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json"
    if head.upper().startswith(b"BEGIN:VCALENDAR"):
        return "ical"
    return None


def read_programme(
    data, *, tz, time_zone=None, strict=False, source_key="import", formats=("xml", "json", "ical")
):
    """The Programme of a frab schedule.xml, c3voc schedule.json or iCalendar file given as bytes, among
    `formats`. Times without a zone are read in `time_zone` (which must agree with the file's own zone) or, for
    iCalendar's floating times, in `tz`. `strict` refuses the file at its first departure from its format: a
    schedule.xml's from the c3voc schema, and any the reader notes."""
    kind = sniff(data)
    if kind not in formats:
        raise ProgrammeError(_not_a_programme(data, kind, formats))
    if kind == "xml":
        programme = frab.read(data, source_key=source_key, time_zone=time_zone, strict=strict)
    elif kind == "json":
        programme = c3voc.read(data, source_key=source_key, time_zone=time_zone)
    else:
        programme = ical.read(data, tz=tz, time_zone=time_zone)
    if strict and (first := programme.notes.first()):
        line, departure = first
        if not line:  # a JSON object whose place in the file was not found
            raise ProgrammeError(
                _("the file departs from its format: %(departure)s.") % {"departure": departure}
            )
        raise ProgrammeError(
            _("line %(line)d: the file departs from its format: %(departure)s.")
            % {"line": line, "departure": departure}
        )
    return programme


def _not_a_programme(data, kind, formats):
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if kind == "ical":
        return _(
            "line 1: this is an iCalendar file, which holds talks but no conference (no days, rooms or tracks): "
            "import its talks into an event with import_talks."
        )
    if kind == "html":
        looks = _("an HTML page")
    elif head.startswith(b"%pdf"):
        looks = _("a PDF document")
    elif not head.strip():
        looks = _("empty")
    else:
        looks = _("neither XML, JSON nor iCalendar")
    return _(
        "line 1: this is not a programme: a frab schedule.xml would start with <, a c3voc schedule.json with {, "
        "an iCalendar file with BEGIN:VCALENDAR; this file is %(looks)s."
    ) % {"looks": looks}
