"""Qinglang (清朗): a platform against online extortion and paid post deletion."""

from __future__ import annotations

from typing import Any

__all__ = ["celery_app"]


def __getattr__(name: str) -> Any:
    """Load the Celery app on first use, so `qinglang-verify` runs without Django or Celery.

    Django processes import it in EvidenceConfig.ready; `celery -A qinglang` finds
    qinglang.celery by itself.
    """
    if name == "celery_app":
        from qinglang.celery import app

        return app
    raise AttributeError(name)
