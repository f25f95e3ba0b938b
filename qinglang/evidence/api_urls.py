"""API v1 routes of evidence."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
