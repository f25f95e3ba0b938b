"""Web routes of registry."""

from django.urls import path

from qinglang.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("websites/", views.website_list, name="websites"),
    path("websites/<int:pk>/", views.website_detail, name="website"),
    path("websites/import/", views.website_import, name="import"),
    path("websites/import/cancel/", views.import_cancel, name="import_cancel"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("practitioners/", views.practitioner_list, name="practitioners"),
    path("practitioners/<int:pk>/", views.practitioner_detail, name="practitioner"),
    path("practitioners/lookup/", views.practitioner_lookup, name="lookup"),
    path("intermediaries/", views.intermediary_list, name="intermediaries"),
    path("intermediaries/new/", views.intermediary_create, name="intermediary_create"),
    path("intermediaries/<int:pk>/", views.intermediary_detail, name="intermediary"),
    path("violations/", views.violation_list, name="violations"),
    path("violations/<int:pk>/", views.violation_detail, name="violation"),
    path("violations/export/", views.violation_export, name="violations_export"),
    path("identifiers/<str:kind>/<path:value>/", views.identifier_detail, name="identifier"),
    path(
        "occurrences/<str:kind>/<path:value>/",
        views.identifier_occurrences,
        name="occurrences",
    ),
    path("graph/", views.graph, name="graph"),
    path("graph/data/", views.graph_data, name="graph_data"),
    path("networks/", views.network_list, name="networks"),
    path("search/", views.search, name="search"),
    path("exclusions/", views.exclusion_list, name="exclusions"),
]
