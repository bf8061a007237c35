"""Top-level URLs: the organisers' admin and the public site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("events.urls")),
]

handler500 = "portal.errors.server_error"
