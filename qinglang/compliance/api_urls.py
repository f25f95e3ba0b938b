"""API v1 routes of compliance."""

from django.urls import path

from qinglang.compliance import api

urlpatterns: list = [
    path(
        "compliance/deletion-requests/",
        api.DeletionRequestCollectionView.as_view(),
        name="api-compliance-deletion-requests",
    ),
    path("compliance/audits/", api.AuditCollectionView.as_view(), name="api-compliance-audits"),
    path(
        "compliance/evaluations/",
        api.EvaluationListView.as_view(),
        name="api-compliance-evaluations",
    ),
]
