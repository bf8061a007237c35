"""Top-level URLs: the organisers' admin and the public site."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # Uploads with DEBUG (make run); in production nginx serves them (deploy/nginx.conf) or the bucket does.
    # Before the events' addresses, whose first part is any slug.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
    path("", include("events.urls")),
]

handler500 = "portal.errors.server_error"
