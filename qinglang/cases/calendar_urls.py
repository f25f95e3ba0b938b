"""The per-user calendar feed, outside the staff area (calendar programs have no session)."""

from django.urls import path

from qinglang.cases.views import calendar

urlpatterns: list = [
    path("<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
