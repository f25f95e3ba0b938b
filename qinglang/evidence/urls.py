"""Web routes of evidence."""

from django.urls import path

from qinglang.evidence import views

app_name = "evidence"
urlpatterns = [
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/download/", views.item_download, name="download"),
    path("items/<int:pk>/preview/", views.item_preview, name="preview"),
    path("custody/<str:subject_type>/<str:subject_id>/", views.subject_custody, name="custody"),
    path("packages/<slug:source>/<str:identifier>/", views.package_download, name="package"),
    path(
        "packages/<slug:source>/<str:identifier>/custody/",
        views.package_custody,
        name="package_custody",
    ),
]
