"""Staff web routes: sign-in with two-factor, workbench, inbox."""

from django.urls import path

from qinglang.core import views

app_name = "core"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.workbench, name="workbench"),
]
