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

from qinglang.core import views_accounts  # noqa: E402

urlpatterns += [
    path("login/reset/", views_accounts.password_reset, name="password_reset"),
    path(
        "login/reset/<str:kind>/<str:uidb64>/<str:token>/",
        views_accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("security/confirm/", views_accounts.reverify, name="reverify"),
    path("security/sessions/", views_accounts.session_list, name="sessions"),
    path("security/sessions/<int:pk>/end/", views_accounts.session_end, name="session_end"),
    path(
        "security/sessions/end-all/",
        views_accounts.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("office/users/", views_accounts.office_user_list, name="office_users"),
    path("office/users/new/", views_accounts.office_user_create, name="office_user_create"),
    path("office/users/<int:pk>/", views_accounts.office_user_detail, name="office_user"),
    path("office/users/<int:pk>/role/", views_accounts.office_user_role, name="office_user_role"),
    path(
        "office/users/<int:pk>/deactivate/",
        views_accounts.office_user_deactivate,
        name="office_user_deactivate",
    ),
    path(
        "office/users/<int:pk>/reactivate/",
        views_accounts.office_user_reactivate,
        name="office_user_reactivate",
    ),
    path(
        "office/users/<int:pk>/reset-second-factor/",
        views_accounts.office_user_reset_second_factor,
        name="office_user_reset_2fa",
    ),
]
