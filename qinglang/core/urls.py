"""Staff web routes: sign-in with two factors, workbench, inbox, security."""

from django.urls import path

from qinglang.core import views

app_name = "core"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/verify/", views.login_verify, name="login_verify"),
    path("login/enrol/", views.login_enrol, name="login_enrol"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.workbench, name="workbench"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("security/", views.security, name="security"),
]
