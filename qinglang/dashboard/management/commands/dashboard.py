"""`qinglang dashboard refresh` (rebuild the aggregates) and `report weekly|monthly`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Dashboard aggregates: refresh them now, or send the periodic report."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("refresh", help="rebuild the aggregate tables")
        report = sub.add_parser("report", help="e-mail the report to office heads")
        report.add_argument("period", choices=["weekly", "monthly"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "refresh":
            from qinglang.dashboard.services import refresh_figures

            run = refresh_figures()
            seconds = (run.finished_at - run.started_at).total_seconds()
            self.stdout.write(f"dashboard refreshed: {run.figures} figures in {seconds:.1f} s")
        else:
            from qinglang.dashboard.reports import send_period_reports

            sent = send_period_reports(options["period"])
            self.stdout.write(f"{sent} report(s) sent")
