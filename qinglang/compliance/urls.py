"""Web routes of compliance (under /staff/compliance/: two-factor sign-in required)."""

from django.urls import path

from qinglang.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.home, name="home"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/export.csv", views.request_export, name="request_export"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/import/", views.request_import, name="request_import"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("flags/", views.flag_list, name="flag_list"),
    path("flags/<int:pk>/answer/", views.flag_answer, name="flag_answer"),
    path("norms/", views.norm_list, name="norm_list"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/findings/", views.audit_finding, name="audit_finding"),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("interviews/new/", views.interview_create, name="interview_create"),
]
