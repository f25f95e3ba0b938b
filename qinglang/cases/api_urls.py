"""API v1 routes of cases."""

from django.urls import path

from qinglang.cases.api import (
    cases,
    collaboration,
    deadlines,
    evidence,
    reports,
    tasks,
    transfers,
)

urlpatterns: list = [
    # Triage (CASES). `reports/` itself (list, create) belongs to intake.
    path("reports/<int:pk>/", reports.ReportDetailView.as_view(), name="api-report-detail"),
    path("reports/<int:pk>/accept/", reports.ReportAcceptView.as_view(), name="api-report-accept"),
    path(
        "reports/<int:pk>/decline/", reports.ReportDeclineView.as_view(), name="api-report-decline"
    ),
    path(
        "reports/<int:pk>/reroute/", reports.ReportRerouteView.as_view(), name="api-report-reroute"
    ),
    path("reports/bulk/", reports.ReportBulkView.as_view(), name="api-report-bulk"),
    path("reports/<int:pk>/assign/", reports.ReportAssignView.as_view(), name="api-report-assign"),
    path(
        "reports/<int:pk>/reroute/request/",
        reports.ReportInternalRerouteView.as_view(),
        name="api-report-reroute-request",
    ),
    path(
        "reports/<int:pk>/reroute/approve/",
        reports.ReportInternalRerouteApproveView.as_view(),
        name="api-report-reroute-approve",
    ),
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

# Collaborative handling (HANDLING): transfers and the recipients' inbox, tasks.
urlpatterns += [
    path(
        "cases/<int:pk>/transfers/",
        transfers.CaseTransfersView.as_view(),
        name="api-case-transfers",
    ),
    path("transfers/", transfers.TransferListView.as_view(), name="api-transfer-list"),
    path("transfers/<int:pk>/", transfers.TransferDetailView.as_view(), name="api-transfer-detail"),
    path(
        "transfers/<int:pk>/acknowledge/",
        transfers.TransferAcknowledgeView.as_view(),
        name="api-transfer-acknowledge",
    ),
    path(
        "transfers/<int:pk>/feedback/",
        transfers.TransferFeedbackView.as_view(),
        name="api-transfer-feedback",
    ),
    path(
        "transfers/<int:pk>/extension/",
        transfers.TransferExtensionView.as_view(),
        name="api-transfer-extension",
    ),
    path(
        "transfers/<int:pk>/extension/decide/",
        transfers.TransferExtensionDecideView.as_view(),
        name="api-transfer-extension-decide",
    ),
    path(
        "transfers/<int:pk>/close/",
        transfers.TransferCloseView.as_view(),
        name="api-transfer-close",
    ),
    path("cases/<int:pk>/tasks/", tasks.CaseTasksView.as_view(), name="api-case-tasks"),
    path("tasks/<int:pk>/", tasks.TaskDetailView.as_view(), name="api-task-detail"),
    path("tasks/<int:pk>/comments/", tasks.TaskCommentView.as_view(), name="api-task-comments"),
    path("tasks/<int:pk>/complete/", tasks.TaskCompleteView.as_view(), name="api-task-complete"),
    path("deadlines/", deadlines.DeadlinesView.as_view(), name="api-deadlines"),
]

# Collaboration (COLLABORATION): assign, internal notes, colleagues to pick.
urlpatterns += [
    path("cases/<int:pk>/assign/", collaboration.CaseAssignView.as_view(), name="api-case-assign"),
    path("cases/<int:pk>/notes/", collaboration.CaseNotesView.as_view(), name="api-case-notes"),
    path("users/", collaboration.UserListView.as_view(), name="api-users"),
]

# Evidence where the work is: a case's files by source, staff uploads, web captures.
urlpatterns += [
    path("cases/<int:pk>/evidence/", evidence.CaseEvidenceView.as_view(), name="api-case-evidence"),
    path("cases/<int:pk>/captures/", evidence.CaseCapturesView.as_view(), name="api-case-captures"),
]
