"""API v1 routes of registry."""

from django.urls import path

from qinglang.registry import api

urlpatterns = [
    path("registry/websites/", api.WebsiteList.as_view(), name="registry-websites"),
    path("registry/accounts/", api.AccountList.as_view(), name="registry-accounts"),
    path("registry/practitioners/", api.PractitionerList.as_view(), name="registry-practitioners"),
    path(
        "registry/intermediaries/", api.IntermediaryList.as_view(), name="registry-intermediaries"
    ),
    path("registry/violations/", api.ViolationList.as_view(), name="registry-violations"),
    path(
        "registry/identifiers/<str:kind>/<path:value>/",
        api.IdentifierDetail.as_view(),
        name="registry-identifier",
    ),
    path(
        "registry/occurrences/<str:kind>/<path:value>/",
        api.IdentifierOccurrenceList.as_view(),
        name="registry-occurrences",
    ),
    path("registry/networks/", api.NetworkList.as_view(), name="registry-networks"),
    path(
        "registry/practitioner-lookup/",
        api.PractitionerLookupView.as_view(),
        name="registry-practitioner-lookup",
    ),
]
