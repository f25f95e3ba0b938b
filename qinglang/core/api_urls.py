"""API v1 routes of core."""

from django.urls import path

from qinglang.core import api, api_ledger, api_notifications

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("organizations/", api.OrganizationListView.as_view(), name="api-organizations"),
    path(
        "notifications/",
        api_notifications.NotificationListView.as_view(),
        name="api-notifications",
    ),
    path(
        "notifications/read/",
        api_notifications.NotificationReadView.as_view(),
        name="api-notifications-read",
    ),
    path(
        "public/ledger/checkpoint/",
        api_ledger.PublicCheckpointView.as_view(),
        name="api-public-ledger-checkpoint",
    ),
    path(
        "public/ledger/consistency/",
        api_ledger.PublicConsistencyView.as_view(),
        name="api-public-ledger-consistency",
    ),
]
