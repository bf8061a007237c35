"""Top-level URLs: the organisers' admin and the public site, in English at the addresses they always had and
in every other language under its prefix (/es/, /de/; portal/languages.py)."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from events import pagecache

from . import languages, webapp

urlpatterns = [
    # The service worker sits at the root to cover every page, in every language (portal/webapp.py).
    path("sw.js", webapp.service_worker, name="service_worker"),
    # The language switcher's form (templates/includes/language_switch.html).
    path("language/", languages.choose_language, name="set_language"),
    # Uploads with DEBUG (make run); in production nginx serves them (deploy/nginx.conf) or the bucket does.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("manifest.webmanifest", webapp.manifest, name="manifest"),
    # No slash at the end: "<event>/" stays free for an event called "offline" or "jsi18n".
    path("offline", webapp.offline, name="offline"),
    # The words of static/js/portal.js in the page's language (Django's catalogue: gettext() and friends).
    path("jsi18n", pagecache.same_for_a_release(JavaScriptCatalog.as_view()), name="javascript_catalog"),
    # Last: the events' addresses start with any slug.
    path("", include("events.urls")),
    prefix_default_language=False,
)

handler500 = "portal.errors.server_error"
