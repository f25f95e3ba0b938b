"""Public pages of disclosure (no account)."""

from django.urls import path

from qinglang.disclosure import feeds, views

app_name = "disclosure"
urlpatterns = [
    path("exposure/", views.exposure_list, name="exposure_list"),
    path("exposure/<int:pk>/", views.exposure_detail, name="exposure_detail"),
    path("exposure/<int:pk>/v<int:version>/", views.exposure_detail, name="exposure_version"),
    path("typical-cases/", views.typical_list, name="typical_list"),
    path("typical-cases/<int:pk>/", views.typical_detail, name="typical_detail"),
    path("rankings/", views.ranking_list, name="ranking_list"),
    path("rankings/<int:pk>/", views.ranking_detail, name="ranking_detail"),
    path("laws/", views.law_list, name="law_list"),
    path("laws/<slug:slug>/", views.law_detail, name="law_detail"),
    path("guides/", views.guide_list, name="guide_list"),
    path("guides/<slug:slug>/", views.guide_detail, name="guide_detail"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/<str:day>/<str:name>", views.open_data_file, name="open_data_file"),
    path("statistics/", views.statistics, name="statistics"),
    path("feeds/exposures.atom", feeds.ExposureFeed(), name="feed_exposures"),
    path("feeds/typical-cases.atom", feeds.TypicalCaseFeed(), name="feed_typical_cases"),
]
