"""API v1 routes of monitoring."""

from django.urls import path

from qinglang.monitoring import api

urlpatterns = [
    path("monitoring/sources/", api.SourceList.as_view(), name="monitoring-sources"),
    path("monitoring/sources/<int:pk>/", api.SourceDetail.as_view(), name="monitoring-source"),
    path(
        "monitoring/sources/<int:pk>/check/",
        api.SourceCheck.as_view(),
        name="monitoring-source-check",
    ),
    path("monitoring/hits/", api.HitList.as_view(), name="monitoring-hits"),
    path("monitoring/hits/<int:pk>/", api.HitDetail.as_view(), name="monitoring-hit"),
]
