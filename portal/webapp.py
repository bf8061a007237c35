"""The portal as an app on a phone: its web app manifest, its service worker and the page shown offline.

Conference Wi-Fi fails just when attendees need the schedule. The service worker (templates/webapp/
service-worker.js) keeps copies of the pages a visitor opened or starred, on their device, and serves them
when the network does not answer. It is served from the site's root, so its scope covers every page, and by
Django rather than as a static file: its address never changes (static files get hashed names) and its body
names the static files of this release, so each release installs a new worker.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from events import pagecache

THEME_COLOUR = "#0b5cad"  # --accent in static/css/portal.css
ICONS = [
    ("img/icon.svg", "image/svg+xml", "any"),
    ("img/icon-192.png", "image/png", "192x192"),
    ("img/icon-512.png", "image/png", "512x512"),
]
# What every page needs, kept when the worker installs: a page saved later finds its stylesheet offline.
STATIC_FILES = ["css/portal.css", "js/portal.js", "img/favicon.svg", *(icon for icon, _type, _size in ICONS)]


@pagecache.shared_at_the_edge
def manifest(request):
    """What a phone needs to add the portal to its home screen and open it as an app of its own."""
    home = reverse("events:event_list")
    # The app opens in the visitor's language and covers the pages of every language.
    with translation.override(settings.LANGUAGE_CODE):
        root = reverse("events:event_list")
    data = {
        # Translators: the name of the portal when a phone adds it to its home screen as an app.
        "name": _("Community events"),
        # Translators: the name under the portal's icon on a phone's home screen: 12 characters at most.
        # Translators: the app's name under its icon on a phone's home screen: 12 letters at most.
        "short_name": pgettext("name under the app's icon", "Events"),
        "description": _("Talks, booth and office hours of the community at conferences."),
        "lang": translation.get_language(),
        "start_url": home,
        "scope": root,
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {"src": static(path), "type": kind, "sizes": sizes, "purpose": "any maskable"}
            for path, kind, sizes in ICONS
        ],
    }
    return HttpResponse(json.dumps(data, indent=2), content_type="application/manifest+json")


@pagecache.shared_at_the_edge
def service_worker(request):
    """The service worker, with the addresses of this release's static files and pages it keeps at once."""
    config = {
        # A new release is a new worker, even where static files keep their names (make run).
        "revision": settings.RENDER_REVISION,
        # Only the path: files on another origin (a CDN) are not the worker's to keep.
        "static_url": urlsplit(settings.STATIC_URL).path,
        "static_files": [url for url in map(static, STATIC_FILES) if not urlsplit(url).netloc],
        # Each language's pages under its prefix (English at the root, last, as the fallback), with the page
        # and the words shown offline in that language and the catalogue of static/js/portal.js's words.
        "languages": [_language_config(code) for code in _languages_longest_prefix_first()],
    }
    response = render(
        request,
        "webapp/service-worker.js",
        {"config": json.dumps(config, indent=2, ensure_ascii=False)},
        content_type="application/javascript; charset=utf-8",
    )
    # Its scope is the whole site, which is its own folder anyway; said outright for proxies that move it.
    response["Service-Worker-Allowed"] = "/"
    return response


def _languages_longest_prefix_first():
    codes = [code for code, _name in settings.LANGUAGES]
    return sorted(codes, key=lambda code: code == settings.LANGUAGE_CODE)


def _language_config(code):
    with translation.override(code):
        return {
            "code": code,
            # Its addresses start with its home page, which the worker keeps when it installs.
            "prefix": reverse("events:event_list"),
            "admin": reverse("admin:index"),
            "offline_page": reverse("offline"),
            "offline_text": _("You are offline, and this needs a connection."),
            "catalog": reverse("javascript_catalog"),
        }


@pagecache.shared_at_the_edge
def offline(request):
    """What the service worker shows when a page needs the server and there is no connection: a form sent
    (signing up, cancelling) or a page not saved on this device."""
    return render(request, "webapp/offline.html")
