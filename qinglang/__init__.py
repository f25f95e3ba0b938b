"""Qinglang (清朗): a platform against online extortion and paid post deletion."""

from qinglang.celery import app as celery_app

__all__ = ["celery_app"]
