"""API v1 routes of enterprise protection."""

from django.urls import path

from qinglang.protection import api

urlpatterns = [
    path(
        "protection/enterprises/",
        api.EnterpriseRegisterView.as_view(),
        name="api-protection-enterprises",
    ),
    path(
        "protection/enterprises/<int:pk>/verify/",
        api.EnterpriseVerifyView.as_view(),
        name="api-protection-enterprise-verify",
    ),
    path("protection/reports/", api.EnterpriseReportView.as_view(), name="api-protection-reports"),
    path("protection/cases/", api.ProtectionCaseListView.as_view(), name="api-protection-cases"),
    path(
        "protection/cases/<int:pk>/",
        api.ProtectionCaseDetailView.as_view(),
        name="api-protection-case",
    ),
    path(
        "protection/verify-claim/",
        api.VerifyClaimView.as_view(),
        name="api-protection-verify-claim",
    ),
    path(
        "protection/claim-checks/<int:pk>/lead/",
        api.ClaimLeadView.as_view(),
        name="api-protection-claim-lead",
    ),
]
