"""API v1 routes of evidence and of the ledger."""

from django.urls import path

from qinglang.evidence import api

urlpatterns = [
    path("evidence/items/<int:pk>/", api.ItemView.as_view(), name="api-evidence-item"),
    path(
        "evidence/items/<int:pk>/download/",
        api.ItemDownloadView.as_view(),
        name="api-evidence-download",
    ),
    path("evidence/captures/", api.CaptureCreateView.as_view(), name="api-evidence-capture"),
    path(
        "evidence/packages/<slug:source>/<str:identifier>/",
        api.PackageView.as_view(),
        name="api-evidence-package",
    ),
    path(
        "ledger/checkpoints/latest/",
        api.LatestCheckpointView.as_view(),
        name="api-ledger-checkpoint",
    ),
    path(
        "ledger/events/<int:pk>/proof/", api.InclusionProofView.as_view(), name="api-ledger-proof"
    ),
    path("ledger/consistency/", api.ConsistencyProofView.as_view(), name="api-ledger-consistency"),
]
