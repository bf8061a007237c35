"""The portal as an app on a phone, as the server answers it: manifest, service worker, offline page."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_manifest_is_json_with_what_a_browser_needs_to_install_the_portal(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["name"], manifest["short_name"]) == ("Community events", "Events")
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["theme_color"] == "#0b5cad"
    assert {(icon["sizes"], icon["type"]) for icon in manifest["icons"]} == {
        ("any", "image/svg+xml"),
        ("192x192", "image/png"),
        ("512x512", "image/png"),
    }


def test_the_manifests_icons_are_static_files_of_their_stated_size(client):
    from PIL import Image

    icons = json.loads(client.get("/manifest.webmanifest").content)["icons"]

    for icon in icons:
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path is not None, icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]


def test_every_page_links_the_manifest_and_follows_the_systems_colour_scheme(client, kubecon):
    html = client.get("/kubecon-eu-2022/schedule/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert 'data-service-worker="/sw.js"' in html


def test_the_service_worker_is_served_from_the_root_so_that_it_covers_every_page(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert '"/static/css/portal.css"' in body and '"/static/js/portal.js"' in body
    assert '"offline_page": "/offline"' in body


def test_the_content_security_policy_allows_the_manifest_and_the_service_worker(client):
    csp = client.get("/").headers["Content-Security-Policy"]

    assert "manifest-src 'self'" in csp
    assert "worker-src 'self'" in csp


def test_the_service_worker_names_this_releases_hashed_static_files(client, settings, tmp_path):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)

    body = client.get("/sw.js").content.decode()

    assert '"/static/css/portal.css"' not in body
    assert re.search(r'"/static/css/portal\.[0-9a-f]{12}\.css"', body)


def test_the_offline_page_says_that_signing_up_needs_a_connection(client):
    response = client.get("/offline")

    assert response.status_code == 200
    assert "This needs a connection:" in response.content.decode()


def test_an_event_called_offline_keeps_its_address(client):
    from tests.factories import make_event

    make_event(slug="offline", name="Offline Summit")

    response = client.get("/offline/")

    assert response.status_code == 200
    assert "Offline Summit" in response.content.decode()
