"""API v1 routes of the dashboard."""

from django.urls import path

from qinglang.dashboard import api

urlpatterns = [
    path("dashboard/summary/", api.SummaryView.as_view(), name="api-dashboard-summary"),
]
