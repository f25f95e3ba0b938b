"""API v1 routes of intake."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
