"""Top-level URLs: the organisers' admin and the public site."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from . import webapp

urlpatterns = [
    path("admin/", admin.site.urls),
    # The portal as an app on a phone (portal/webapp.py): the service worker sits at the root to cover every page.
    path("manifest.webmanifest", webapp.manifest, name="manifest"),
    path("sw.js", webapp.service_worker, name="service_worker"),
    # No slash at the end: "<event>/" stays free for an event called "offline".
    path("offline", webapp.offline, name="offline"),
    # Uploads with DEBUG (make run); in production nginx serves them (deploy/nginx.conf) or the bucket does.
    # Before the events' addresses, whose first part is any slug.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
    path("", include("events.urls")),
]

handler500 = "portal.errors.server_error"
