"""Staff sign-in and workbench (two-factor sign-in is added on top of this)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    return render(request, "core/workbench.html")
