"""Staff pages of monitoring, under /monitoring/."""

from django.urls import path

from qinglang.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.source_list, name="source_list"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/check/", views.source_check, name="source_check"),
    path("sources/<int:pk>/resume/", views.source_resume, name="source_resume"),
    path("hits/", views.hit_list, name="hit_list"),
    path("hits/<int:pk>/", views.hit_detail, name="hit_detail"),
    path("hits/<int:pk>/confirm/", views.hit_confirm, name="hit_confirm"),
    path("hits/<int:pk>/dismiss/", views.hit_dismiss, name="hit_dismiss"),
]
