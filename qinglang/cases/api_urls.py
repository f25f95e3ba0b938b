"""API v1 routes of cases."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
