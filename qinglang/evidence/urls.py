"""Web routes of evidence."""

from django.urls import path  # noqa: F401

app_name = "evidence"
urlpatterns: list = []
