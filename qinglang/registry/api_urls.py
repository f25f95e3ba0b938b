"""API v1 routes of registry."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
