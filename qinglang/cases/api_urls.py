"""API v1 routes of cases."""

from django.urls import path

from qinglang.cases.api import cases, reports

urlpatterns: list = [
    # Triage (CASES). `reports/` itself (list, create) belongs to intake.
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="api-report-detail"),
    path("reports/<int:pk>/accept/", reports.ReportAcceptView.as_view(), name="api-report-accept"),
    path("reports/<int:pk>/decline/", reports.ReportDeclineView.as_view(),
         name="api-report-decline"),
    path("reports/<int:pk>/reroute/", reports.ReportRerouteView.as_view(),
         name="api-report-reroute"),
    # Cases (CASES).
    path("cases/", cases.CaseListView.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", cases.CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<int:pk>/status/", cases.CaseStatusView.as_view(), name="api-case-status"),
    path("cases/<int:pk>/decide/", cases.CaseDecideView.as_view(), name="api-case-decide"),
    path("cases/<int:pk>/close/", cases.CaseCloseView.as_view(), name="api-case-close"),
    path("cases/<int:pk>/reopen/", cases.CaseReopenView.as_view(), name="api-case-reopen"),
    path("cases/<int:pk>/merge/", cases.CaseMergeView.as_view(), name="api-case-merge"),
    path("cases/<int:pk>/split/", cases.CaseSplitView.as_view(), name="api-case-split"),
]
