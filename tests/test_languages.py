"""The portal in the attendees' languages: English at the addresses it always had, each other language under
its prefix, a switcher that works without JavaScript and is remembered, and caches kept per language."""

import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db

SCHEDULE = "/kubecon-eu-2022/schedule/"


def in_language(code, message):
    with translation.override(code):
        return gettext(message)


def html_language(response):
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_english_stays_at_the_addresses_it_always_had(client, kubecon):
    for address in ("/", "/kubecon-eu-2022/", SCHEDULE, "/kubecon-eu-2022/office-hours/", "/admin/login/"):
        response = client.get(address, headers={"accept-language": "es,de;q=0.8"})
        assert response.status_code == 200, address
        assert html_language(response) == "en", address
        assert "Content-Language" not in response or response["Content-Language"] == "en"


@pytest.mark.parametrize("code", ["es", "de"])
def test_every_other_language_has_the_same_pages_under_its_prefix(client, kubecon, code):
    schedule = in_language(code, "Schedule")
    assert schedule != "Schedule", f"{code} translates the navigation"

    response = client.get(f"/{code}{SCHEDULE}")

    assert response.status_code == 200
    assert html_language(response) == code
    html = response.content.decode()
    assert f'href="/{code}{SCHEDULE}"' in html and f">{schedule}</a>" in html
    # Links stay in the language; the talks' titles are shown as the organisers wrote them.
    assert f'href="/{code}/kubecon-eu-2022/talks/' in html
    assert kubecon.talks.get(title="Kubernetes Networking 101").title in html


def test_the_switcher_is_a_form_that_needs_no_javascript_and_names_each_language_in_itself(client, kubecon):
    html = client.get(SCHEDULE).content.decode()

    form = re.search(
        r'<form class="language-switch" method="post" action="/language/"[^>]*>.*?</form>', html, re.S
    )
    assert form, "every page has the switcher"
    assert f'<input type="hidden" name="next" value="{SCHEDULE}">' in form.group(0)
    buttons = re.findall(
        r'<button type="submit" name="language" value="(\w+)" lang="\1"[^>]*>([^<]+)</button>', form.group(0)
    )
    assert buttons == [("en", "English"), ("es", "Español"), ("de", "Deutsch")]
    assert 'value="en" lang="en" aria-current="true"' in form.group(0)


def test_choosing_a_language_goes_to_the_same_page_in_it_and_is_remembered(client, kubecon):
    response = client.post("/language/", {"language": "de", "next": f"{SCHEDULE}?day=2022-05-18"})

    assert response.status_code == 302
    assert response["Location"] == f"/de{SCHEDULE}?day=2022-05-18"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"

    # An English address (a link on the community's site, a bookmark) now opens in German.
    again = client.get("/kubecon-eu-2022/booth/")
    assert (again.status_code, again["Location"]) == (302, "/de/kubecon-eu-2022/booth/")
    assert "no-cache" in again["Cache-Control"] and "Cookie" in again["Vary"]
    assert client.get("/de/kubecon-eu-2022/booth/").status_code == 200

    # From a German page back to English, and English addresses are English again.
    back = client.post("/language/", {"language": "en", "next": "/de/kubecon-eu-2022/booth/"})
    assert back["Location"] == "/kubecon-eu-2022/booth/"
    assert client.get("/kubecon-eu-2022/booth/").status_code == 200


def test_the_switcher_needs_no_csrf_token_since_the_pages_that_carry_it_are_shared(kubecon):
    from tests.conftest import FormClient

    client = FormClient(enforce_csrf_checks=True)
    response = client.post("/language/", {"language": "es", "next": SCHEDULE})

    assert (response.status_code, response["Location"]) == (302, f"/es{SCHEDULE}")


@pytest.mark.parametrize(
    "data",
    [
        {"language": "fr", "next": SCHEDULE},
        {"language": "es", "next": "https://elsewhere.example/"},
        {"language": "es", "next": "/no-such-page/at/all/"},
        {"language": "es\x00", "next": SCHEDULE},
        {},
    ],
)
def test_a_strange_choice_goes_nowhere_else_and_breaks_nothing(client, kubecon, data):
    response = client.post("/language/", data)

    assert response.status_code == 302
    assert not response["Location"].startswith("https://elsewhere")
    assert client.get(SCHEDULE).status_code in (200, 302)


def test_an_unknown_cookie_value_leaves_english_addresses_english(client, kubecon):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"

    response = client.get(SCHEDULE)

    assert (response.status_code, html_language(response)) == (200, "en")


def test_the_schedule_is_kept_once_per_language(client, kubecon, django_assert_num_queries):
    english = client.get(SCHEDULE)
    spanish = client.get(f"/es{SCHEDULE}")

    assert english["ETag"] != spanish["ETag"]
    assert html_language(english) == "en" and html_language(spanish) == "es"
    # Both are kept: asked again, neither renders (one query each, for the event's version), and each is
    # still in its own language.
    with django_assert_num_queries(2):
        assert html_language(client.get(f"/es{SCHEDULE}")) == "es"
        assert html_language(client.get(SCHEDULE)) == "en"


def test_the_javascript_catalogue_is_in_the_pages_language_and_cached_by_release(client):
    english = client.get("/jsi18n")
    spanish = client.get("/es/jsi18n")

    assert english.status_code == spanish.status_code == 200
    assert english["ETag"] != spanish["ETag"]
    assert in_language("es", "Got it") in spanish.content.decode()
    assert client.get("/es/jsi18n", headers={"if-none-match": spanish["ETag"]}).status_code == 304


def test_each_page_loads_the_catalogue_of_its_language_before_its_script(client, kubecon):
    html = client.get(f"/de{SCHEDULE}").content.decode()

    assert html.index('<script src="/de/jsi18n" defer></script>') < html.index("js/portal.js")


def test_the_manifest_opens_the_app_in_its_language_and_covers_every_language(client):
    import json

    manifest = json.loads(client.get("/es/manifest.webmanifest").content)

    assert (manifest["lang"], manifest["start_url"], manifest["scope"]) == ("es", "/es/", "/")
    assert manifest["name"] == in_language("es", "Community events")


def test_the_service_worker_knows_every_languages_offline_page(client):
    body = client.get("/sw.js").content.decode()

    for code in ("es", "de"):
        assert f'"offline_page": "/{code}/offline"' in body
        assert f'"catalog": "/{code}/jsi18n"' in body
        assert in_language(code, "You are offline, and this needs a connection.") in body
    assert '"offline_page": "/offline"' in body


def test_dates_are_written_as_the_language_writes_them_and_times_stay_in_the_events_zone(client, kubecon):
    addresses = {"en": SCHEDULE, "es": f"/es{SCHEDULE}", "de": f"/de{SCHEDULE}"}
    html = {code: client.get(f"{address}?day=all").content.decode() for code, address in addresses.items()}

    assert "Wednesday 18 May" in html["en"]
    assert "miércoles" in html["es"] and "mayo" in html["es"]
    assert "Mittwoch" in html["de"] and "Mai" in html["de"]
    for page in html.values():
        # The same wall-clock time, labelled with the event's zone, in every language.
        assert "CEST" in page and "12:30" in page


def test_each_page_names_its_versions_in_the_other_languages_for_search_engines(client, kubecon):
    html = client.get(f"/es{SCHEDULE}?day=2022-05-18").content.decode()

    assert f'<link rel="alternate" hreflang="en" href="http://testserver{SCHEDULE}?day=2022-05-18">' in html
    assert (
        f'<link rel="alternate" hreflang="de" href="http://testserver/de{SCHEDULE}?day=2022-05-18">' in html
    )
    assert 'hreflang="' not in client.get("/kubecon-eu-2022/no-such-page/").content.decode()


@pytest.mark.parametrize("slug", ["es", "de", "DE", "admin", "jsi18n"])
def test_an_event_cannot_take_an_address_the_site_uses_for_itself(organiser_client, slug):
    from events.models import Event

    response = organiser_client.post(
        "/admin/events/event/add/",
        {
            "name": "Summit",
            "slug": slug,
            "time_zone": "Europe/Madrid",
            "start_date": "2030-05-16",
            "end_date": "2030-05-17",
            "venue": "Hall",
            "city": "Valencia",
            "country": "Spain",
        },
    )

    assert response.status_code == 200
    assert "is an address the site uses for itself" in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.parametrize("address", ["//elsewhere.example/", "//elsewhere.example/kubecon-eu-2022/schedule/"])
def test_an_address_that_browsers_read_as_another_site_is_never_where_the_portal_sends_anyone(
    client, kubecon, address
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    # As the request line arrives (the test client would read the address as a host).
    response = client.get("/", PATH_INFO=address)

    assert "elsewhere" not in response.get("Location", "")
    assert "elsewhere.example/" not in response.content.decode().replace(address, "")


def test_a_page_kept_for_everybody_keeps_no_visitors_query_string(client, kubecon):
    talk = "/es/kubecon-eu-2022/talks/kubernetes-networking-101/"
    client.get(f"{talk}?campaign=elsewhere")

    html = client.get(talk).content.decode()

    assert "campaign" not in html
    assert f'<input type="hidden" name="next" value="{talk}">' in html


def test_numbers_are_written_as_the_language_writes_them(settings):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from events.photos import open_photo

    settings.PHOTO_MAX_MB = 1
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024 // 2))
    for code, size in (("en", "1.5 MB"), ("es", "1,5 MB"), ("de", "1,5 MB")):
        with translation.override(code), pytest.raises(ValidationError) as refused:
            open_photo(upload)
        assert size in refused.value.messages[0]


def test_what_organisers_wrote_is_marked_with_their_language_on_pages_in_another(client, kubecon):
    talk = "/kubecon-eu-2022/talks/kubernetes-networking-101/"

    english = client.get(talk).content.decode()
    german = client.get(f"/de{talk}").content.decode()

    assert '<h1 lang="en">Kubernetes Networking 101</h1>' in german
    assert '<div lang="en"><p>Kubernetes Networking 101 will introduce' in german
    assert "<h1>Kubernetes Networking 101</h1>" in english and '<div lang="en">' not in english
    assert (
        '<a href="/de/kubecon-eu-2022/talks/kubernetes-networking-101/" lang="en">'
        in client.get("/de/kubecon-eu-2022/schedule/").content.decode()
    )

    # An event written in Spanish: its Spanish pages need no mark, its English and German ones do.
    kubecon.language = "es"
    kubecon.save()
    assert '<h1 lang="es">' in client.get(talk).content.decode()
    assert "<h1>Kubernetes Networking 101</h1>" in client.get(f"/es{talk}").content.decode()
    assert "<language>es</language>" in client.get("/kubecon-eu-2022/schedule.xml").content.decode()
