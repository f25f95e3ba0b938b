"""Demo data of the dashboard: its figures, computed once every app's demo data is in.

Without this the demo dashboard would read "not computed yet" until the scheduled refresh,
ten minutes after the worker starts.
"""

from __future__ import annotations

from typing import TextIO


def load(stdout: TextIO) -> None:
    """The dashboard has no rows of its own to load; see `after_all`."""


def after_all(stdout: TextIO) -> None:
    """Compute the dashboard figures over the demo reports, cases and networks."""
    from qinglang.dashboard.services import refresh_figures

    refresh = refresh_figures()
    stdout.write(f"dashboard demo: {refresh.figures} figures")
