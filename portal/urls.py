"""Top-level URLs: the organisers' admin and the public site."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Community event portal"
admin.site.site_title = "Event portal admin"
admin.site.index_title = "Events, talks and signups"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("events.urls")),
]
