"""API v1 routes of disclosure: public (no account) and staff / website."""

from django.urls import path

from qinglang.disclosure import api

urlpatterns: list = [
    path("public/exposures/", api.PublicExposureListView.as_view(), name="api-public-exposures"),
    path(
        "public/exposures/<int:pk>/",
        api.PublicExposureDetailView.as_view(),
        name="api-public-exposure",
    ),
    path(
        "public/typical-cases/",
        api.PublicTypicalCaseListView.as_view(),
        name="api-public-typical-cases",
    ),
    path("public/rankings/", api.PublicRankingListView.as_view(), name="api-public-rankings"),
    path("public/statistics/", api.PublicStatisticsView.as_view(), name="api-public-statistics"),
    path("disclosure/batches/", api.BatchCreateView.as_view(), name="api-disclosure-batches"),
    path(
        "disclosure/batches/<int:pk>/entries/",
        api.BatchEntryCreateView.as_view(),
        name="api-disclosure-batch-entries",
    ),
    path(
        "disclosure/batches/<int:pk>/submit/",
        api.BatchSubmitView.as_view(),
        name="api-disclosure-batch-submit",
    ),
    path(
        "disclosure/batches/<int:pk>/approve/",
        api.BatchApproveView.as_view(),
        name="api-disclosure-batch-approve",
    ),
    path(
        "disclosure/batches/<int:pk>/publish/",
        api.BatchPublishView.as_view(),
        name="api-disclosure-batch-publish",
    ),
    path(
        "disclosure/entries/<int:pk>/statement/",
        api.EntryStatementView.as_view(),
        name="api-disclosure-entry-statement",
    ),
    path(
        "disclosure/entries/<int:pk>/appeals/",
        api.EntryAppealView.as_view(),
        name="api-disclosure-entry-appeals",
    ),
    path(
        "disclosure/entries/<int:pk>/corrections/",
        api.EntryCorrectionView.as_view(),
        name="api-disclosure-entry-corrections",
    ),
    path(
        "disclosure/appeals/<int:pk>/decide/",
        api.AppealDecideView.as_view(),
        name="api-disclosure-appeal-decide",
    ),
    path(
        "disclosure/statements/<int:pk>/review/",
        api.StatementReviewView.as_view(),
        name="api-disclosure-statement-review",
    ),
]
