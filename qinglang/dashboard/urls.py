"""Web routes of the dashboard (under /staff/dashboard/)."""

from django.urls import path

from qinglang.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("data/<slug:chart>.csv", views.chart_csv, name="chart_csv"),
    path("data/<slug:chart>.json", views.chart_json, name="chart_json"),
]
