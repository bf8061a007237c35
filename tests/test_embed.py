"""The embedded schedule (/<event>/embed/): what it shows, the filters it takes, and who may frame it."""

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from events.models import Event, validate_embed_origins
from tests.factories import at, make_event, make_room, make_speaker, make_talk, make_track


def embed_url(event, query=""):
    return reverse("events:schedule_embed", kwargs={"event": event.slug}) + query


def page_of(response):
    return lxml.html.fromstring(response.content)


def titles(response):
    return [link.text_content() for link in page_of(response).xpath("//a[@class='embed-talk-title']")]


@pytest.fixture
def event(db):
    event = make_event(slug="summit")
    hall = make_room(event, name="Hall A")
    ebpf = make_track(event, name="eBPF", slug="ebpf")
    make_talk(
        event,
        title="Maps in the kernel",
        starts_at=at(16, 10),
        room=hall,
        track=ebpf,
        speakers=[make_speaker(name="Ana Sample")],
    )
    make_talk(event, title="Service mesh at scale", starts_at=at(17, 11))
    return event


@pytest.mark.django_db
def test_the_embed_lists_the_talks_with_links_that_open_the_portal_in_the_top_window(client, event):
    response = client.get(embed_url(event))

    page = page_of(response)
    assert response.status_code == 200
    assert titles(response) == ["Maps in the kernel", "Service mesh at scale"]
    assert page.xpath("//base/@target")[0] == "_top"
    assert (
        page.xpath("//a[@class='embed-talk-title']/@href")[0]
        == "/summit/talks/" + event.talks.get(title="Maps in the kernel").slug + "/"
    )
    assert page.xpath("//*[@class='embed-talk-meta']")[0].text_content() == "Ana Sample · Hall A"
    # A page of its own: no site navigation, no stars or time switch, and only the portal's own scripts.
    assert (
        page.xpath("//header | //nav[@aria-label='Site'] | //*[@class='filters'] | //button | //form") == []
    )
    assert page.xpath("//script/@src") == ["/static/js/embed-frame.js"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?track=ebpf", ["Maps in the kernel"]),
        ("?room=hall-a", ["Maps in the kernel"]),
        ("?q=mesh", ["Service mesh at scale"]),
        ("?day=2022-05-17", ["Service mesh at scale"]),
    ],
)
def test_the_embed_takes_the_schedule_s_filters(client, event, query, shown):
    response = client.get(embed_url(event, query))

    assert response.status_code == 200
    assert titles(response) == shown


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?track=nope", "This event has no track “nope”."),
        ("?room=nope", "This event has no room “nope”."),
        ("?day=2022-06-01", "Wednesday 1 June 2022 is not a day of this event."),
        ("?q=" + "x" * 201, "A search takes at most 200 characters."),
    ],
)
def test_a_filter_the_event_does_not_have_is_refused_with_its_message(client, event, query, message):
    response = client.get(embed_url(event, query))

    assert response.status_code == 400
    assert message in page_of(response).xpath("//*[@role='alert']")[0].text_content()
    assert titles(response) == ["Maps in the kernel", "Service mesh at scale"]


@pytest.mark.django_db
def test_an_unknown_event_has_no_embed(client):
    assert client.get("/no-such-event/embed/").status_code == 404


@pytest.mark.django_db
def test_without_allowed_sites_the_embed_is_framed_by_nobody(client, event, settings):
    settings.EMBED_ORIGINS = []

    response = client.get(embed_url(event))

    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_sites_of_the_setting_and_of_the_event_may_frame_the_embed(client, event, settings):
    settings.EMBED_ORIGINS = ["https://cilium.io"]
    event.embed_origins = "https://blog.example.org\nhttps://cilium.io\n"
    event.save()

    response = client.get(embed_url(event))

    assert (
        "frame-ancestors https://cilium.io https://blog.example.org;"
        in response["Content-Security-Policy"] + ";"
    )
    assert response.has_header("X-Frame-Options") is False


@pytest.mark.django_db
def test_a_kept_embed_carries_the_sites_allowed_now(client, event, settings):
    settings.EMBED_ORIGINS = []
    first = client.get(embed_url(event))
    # Without a save, which would count as a change of the schedule: the copy kept before answers.
    Event.objects.filter(pk=event.pk).update(embed_origins="https://blog.example.org")

    second = client.get(embed_url(event))
    not_modified = client.get(embed_url(event), HTTP_IF_NONE_MATCH=second["ETag"])

    assert second["ETag"] == first["ETag"]
    assert "frame-ancestors https://blog.example.org" in second["Content-Security-Policy"]
    assert not_modified.status_code == 304
    assert "frame-ancestors https://blog.example.org" in not_modified["Content-Security-Policy"]
    assert not_modified.has_header("X-Frame-Options") is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/summit/", "/summit/schedule/", "/summit/speakers/", "/summit/my-schedule/"]
)
def test_no_other_page_may_be_framed_by_an_allowed_site(client, event, settings, path):
    settings.EMBED_ORIGINS = ["https://cilium.io"]
    event.embed_origins = "https://blog.example.org"
    event.save()

    response = client.get(path)

    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "origins",
    [
        "https://blog.example.org",
        "https://blog.example.org:8443\nhttps://cilium.io",
        "http://localhost:8080",
        "http://127.0.0.1:9000",
        "",
    ],
)
def test_origins_an_organiser_may_allow(origins):
    validate_embed_origins(origins)


@pytest.mark.parametrize(
    "origin",
    [
        "http://blog.example.org",  # not https: anyone on the way could frame it
        "https://blog.example.org/talks/",  # a path: frame-ancestors would read it differently
        "https://*.example.org",
        "*",
        "'self'",
        "https://blog.example.org;script-src",
        "blog.example.org",
    ],
)
def test_anything_but_an_origin_is_refused_with_a_message(origin):
    with pytest.raises(ValidationError) as refused:
        validate_embed_origins(f"https://cilium.io\n{origin}")

    assert refused.value.messages == [
        f"“{origin}” is not an origin. Write it as https://blog.example.org: https, the host name, no path."
    ]


def test_a_setting_that_is_no_origin_stops_the_start(settings):
    settings.EMBED_ORIGINS = ["https://cilium.io/blog"]

    with pytest.raises(SystemCheckError, match="“https://cilium.io/blog” is not an origin"):
        call_command("check")


@pytest.mark.django_db
def test_the_admin_shows_organisers_the_code_to_paste(organiser_client, event, settings):
    settings.SITE_URL = "https://events.example.org"
    event.embed_origins = "https://blog.example.org"
    event.save()

    response = organiser_client.get(reverse("admin:events_event_change", args=[event.pk]))

    snippet = page_of(response).xpath("//*[@class='embed-snippet']/pre")[0].text_content()
    assert snippet == (
        '<iframe src="https://events.example.org/summit/embed/" title="Schedule of '
        f'{event.name}" width="100%" height="600" loading="lazy"></iframe>\n'
        '<script src="https://events.example.org/static/js/embed.js" async></script>'
    )
    assert (
        "https://blog.example.org"
        in page_of(response).xpath("//*[@class='embed-snippet']/p")[0].text_content()
    )


@pytest.mark.django_db
def test_an_organiser_s_origin_that_is_no_origin_is_refused_in_the_admin(organiser_client, event):
    url = reverse("admin:events_event_change", args=[event.pk])
    form = page_of(organiser_client.get(url)).forms[0]
    data = {**dict(form.form_values()), "embed_origins": "https://blog.example.org/news/"}

    response = organiser_client.post(url, data)

    assert response.status_code == 200
    assert "“https://blog.example.org/news/” is not an origin." in response.content.decode()
    # The code to paste names the sites as saved, not the rejected one.
    assert (
        page_of(response)
        .xpath("//*[@class='embed-snippet']/p")[0]
        .text_content()
        .startswith("No site may show the schedule yet")
    )
    event.refresh_from_db()
    assert event.embed_origins == ""
