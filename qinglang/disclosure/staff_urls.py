"""Staff pages of disclosure, under /staff/disclosure/ (verified sessions only)."""

from django.urls import path

from qinglang.disclosure import views

app_name = "disclosure_staff"
urlpatterns = [
    path("", views.staff_home, name="home"),
    path("batches/new/", views.staff_batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.staff_batch, name="batch"),
    path("batches/<int:pk>/entries/new/", views.staff_entry_new, name="entry_new"),
    path("batches/<int:pk>/<str:action>/", views.staff_batch_action, name="batch_action"),
    path("statements/<int:pk>/review/", views.staff_statement_review, name="statement_review"),
    path("appeals/<int:pk>/decide/", views.staff_appeal_decide, name="appeal_decide"),
    path("typical-cases/new/", views.staff_typical_new, name="typical_new"),
    path("typical-cases/<int:pk>/", views.staff_typical, name="typical"),
    path(
        "typical-cases/<int:pk>/<str:action>/",
        views.staff_typical_action,
        name="typical_action",
    ),
    path("rankings/new/", views.staff_ranking_new, name="ranking_new"),
    path("rankings/<int:pk>/", views.staff_ranking, name="ranking"),
    path("rankings/<int:pk>/<str:action>/", views.staff_ranking_action, name="ranking_action"),
    path("guides/new/", views.staff_guide_edit, name="guide_new"),
    path("guides/<slug:slug>/edit/", views.staff_guide_edit, name="guide_edit"),
    path("cases/<int:case_id>/amounts/", views.case_amounts, name="case_amounts"),
]
