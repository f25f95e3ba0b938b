"""Public web routes: the portal at / and the reporting zone."""

from django.urls import path

from qinglang.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.portal, name="portal"),
    path("report/", views.report_form, name="report"),
    path("report/done/", views.report_done, name="report_done"),
    path("track/", views.track, name="track"),
]
