"""Public addresses of the portal, all in one place."""

from django.urls import path

from . import exports, feeds, pagecache, views

app_name = "events"

urlpatterns = [
    path("", views.EventListView.as_view(), name="event_list"),
    path("<slug:event>/", views.EventDetailView.as_view(), name="event_detail"),
    path("<slug:event>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("<slug:event>/schedule/now/", views.schedule_now, name="schedule_now"),
    path("<slug:event>/time-zone/", views.TimeZoneView.as_view(), name="time_zone"),
    path("<slug:event>/embed/", views.ScheduleEmbedView.as_view(), name="schedule_embed"),
    path("<slug:event>/my-schedule/", views.MyScheduleView.as_view(), name="my_schedule"),
    path("<slug:event>/schedule/changes/", views.ScheduleChangesView.as_view(), name="schedule_changes"),
    path(
        "<slug:event>/schedule/feed.xml",
        pagecache.cache_per_schedule_version()(feeds.ScheduleChangesFeed()),
        name="schedule_feed",
    ),
    path(
        "<slug:event>/schedule.ics",
        views.CalendarView.as_view(),
        name="schedule_ics",
    ),
    path(
        "<slug:event>/schedule.xml",
        views.ExportView.as_view(exporter=exports.FrabXmlExporter),
        name="schedule_xml",
    ),
    path(
        "<slug:event>/schedule.json",
        views.ExportView.as_view(exporter=exports.C3vocJsonExporter),
        name="schedule_json",
    ),
    path(
        "<slug:event>/talks/<slug:talk>.ics",
        views.TalkCalendarView.as_view(),
        name="talk_ics",
    ),
    path("<slug:event>/talks/<slug:talk>/", views.TalkDetailView.as_view(), name="talk_detail"),
    path("<slug:event>/speakers/", views.SpeakerListView.as_view(), name="speaker_list"),
    path(
        "<slug:event>/speakers/<slug:speaker>.ics",
        views.SpeakerCalendarView.as_view(),
        name="speaker_ics",
    ),
    path("<slug:event>/speakers/<slug:speaker>/", views.SpeakerDetailView.as_view(), name="speaker_detail"),
    path("<slug:event>/booth/", views.BoothView.as_view(), name="booth"),
    path("<slug:event>/office-hours/", views.OfficeHoursView.as_view(), name="office_hours"),
]

urlpatterns += [
    path(
        "<slug:event>/office-hours/<int:pk>/signup/",
        views.OfficeHoursSignupView.as_view(),
        name="office_hours_signup",
    ),
    path(
        "<slug:event>/office-hours/signups/<str:token>/",
        views.SignupDetailView.as_view(),
        name="signup_detail",
    ),
    path(
        "<slug:event>/office-hours/signups/<str:token>/office-hours.ics",
        views.SignupCalendarView.as_view(),
        name="signup_calendar",
    ),
    path(
        "<slug:event>/office-hours/signups/<str:token>/cancel/",
        views.SignupCancelView.as_view(),
        name="signup_cancel",
    ),
    path(
        "<slug:event>/office-hours/signups/<str:token>/erase/",
        views.SignupEraseView.as_view(),
        name="signup_erase",
    ),
]
