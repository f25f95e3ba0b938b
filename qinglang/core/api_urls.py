"""API v1 routes of core."""

from django.urls import path

from qinglang.core import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("organizations/", api.OrganizationListView.as_view(), name="api-organizations"),
]
