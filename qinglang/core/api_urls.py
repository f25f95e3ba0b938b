"""API v1 routes of core."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
