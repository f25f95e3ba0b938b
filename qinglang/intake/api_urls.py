"""API v1 routes of intake (cases serves reports/{id}/ and the triage actions)."""

from django.urls import path

from qinglang.intake import api, api_conversation

urlpatterns = [
    path("reports/", api.ReportCollectionView.as_view(), name="api-reports"),
    path("reports/track/", api.ReportTrackView.as_view(), name="api-reports-track"),
    path("analysis/classify/", api.ClassifyView.as_view(), name="api-analysis-classify"),
]

# The reporter's side (conversation, review request).
urlpatterns += [
    path(
        "reports/<int:pk>/questions/",
        api_conversation.ReportQuestionsView.as_view(),
        name="api-report-questions",
    ),
    path(
        "reports/track/reply/",
        api_conversation.ReportReplyView.as_view(),
        name="api-reports-track-reply",
    ),
    path(
        "reports/track/review/",
        api_conversation.ReportReviewView.as_view(),
        name="api-reports-track-review",
    ),
]
