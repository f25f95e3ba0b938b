"""API v1 routes of intake (cases serves reports/{id}/ and the triage actions)."""

from django.urls import path

from qinglang.intake import api

urlpatterns = [
    path("reports/", api.ReportCollectionView.as_view(), name="api-reports"),
    path("reports/track/", api.ReportTrackView.as_view(), name="api-reports-track"),
    path("analysis/classify/", api.ClassifyView.as_view(), name="api-analysis-classify"),
]
