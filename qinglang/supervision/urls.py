"""Pages of supervision: public ones under /supervision/, staff ones under /staff/supervision/."""

from django.urls import path

from qinglang.supervision import views

app_name = "supervision"
urlpatterns = [
    path("supervision/", views.public_home, name="public"),
    path("supervision/calls/<int:pk>/apply/", views.apply, name="apply"),
    path("staff/supervision/", views.staff_home, name="staff_home"),
    path(
        "staff/supervision/applications/<int:pk>/decide/", views.decide, name="application_decide"
    ),
    path("staff/supervision/findings/<int:pk>/case/", views.integrity_case, name="integrity_case"),
    path(
        "staff/supervision/site-findings/<int:pk>/refer/",
        views.site_finding_refer,
        name="site_finding_refer",
    ),
    path(
        "staff/supervision/inspection-findings/<int:pk>/answer/",
        views.finding_answer,
        name="finding_answer",
    ),
    path("staff/supervision/pledges/sign/", views.pledge_sign, name="pledge_sign"),
    path(
        "staff/supervision/training/<int:pk>/acknowledge/",
        views.training_ack,
        name="training_ack",
    ),
]
