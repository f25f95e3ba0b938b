"""`qinglang token create USERNAME`: print a new bearer token for a staff user."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from qinglang.core.models import User
from qinglang.core.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a user and print it once."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no such user: {options['username']}")
        try:
            raw = create_api_token(user, name=options["name"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
