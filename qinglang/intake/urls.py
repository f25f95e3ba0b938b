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

# The reporter's side on the tracking page (code and key kept sealed in the session).
urlpatterns += [
    path("track/reply/", views.track_reply, name="track_reply"),
    path("track/review/", views.track_review, name="track_review"),
    path("track/notice/", views.track_notice, name="track_notice"),
]
