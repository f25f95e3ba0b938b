"""`qinglang monitoring check ID` runs one check synchronously."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from qinglang import cli
from tests.monitoring.conftest import AD_PAGE
from tests.monitoring.factories import make_source

pytestmark = pytest.mark.django_db


def test_check_command_prints_the_outcome(world, site):
    source = make_source(world.guangdong_user, site.set("/ad", AD_PAGE))
    out = io.StringIO()
    call_command("monitoring", "check", str(source.pk), stdout=out)
    outcome = json.loads(out.getvalue())
    assert outcome["status"] == "ok" and len(outcome["leads"]) == 1
    source.refresh_from_db()
    assert source.last_success_at is not None


def test_check_command_fails_loudly(world, site):
    source = make_source(world.guangdong_user, site.url("/missing"))
    with pytest.raises(CommandError, match="404"):
        call_command("monitoring", "check", str(source.pk), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no watched source"):
        call_command("monitoring", "check", "999999", stdout=io.StringIO())


def test_cli_dispatches_to_the_app_command(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "_manage", seen.append)
    assert cli.main(["monitoring", "check", "7"]) == 0
    assert seen == [["monitoring", "check", "7"]]
