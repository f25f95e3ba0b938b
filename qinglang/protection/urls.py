"""Pages of enterprise protection under /protection/."""

from django.urls import path

from qinglang.protection import views

app_name = "protection"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("activate/<str:uidb64>/<str:token>/", views.activate, name="activate"),
    path("guidance/", views.guidance_page, name="guidance"),
    path("guidance/checklist.pdf", views.checklist_pdf, name="checklist_pdf"),
    path("", views.dashboard, name="dashboard"),
    path("report/", views.report, name="report"),
    path("contacts/add/", views.contact_add, name="contact_add"),
    path("colleagues/add/", views.colleague_add, name="colleague_add"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/accept/", views.case_accept, name="case_accept"),
    path("cases/<int:pk>/measure/", views.case_measure, name="case_measure"),
    path("office/enterprises/", views.office_enterprises, name="office_enterprises"),
    path("office/enterprises/<int:pk>/", views.office_enterprise, name="office_enterprise"),
    path("office/summary/", views.office_summary, name="office_summary"),
]
