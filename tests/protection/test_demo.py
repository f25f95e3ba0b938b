"""The demo enterprise is verified once and answers claims for its listed contact."""

from __future__ import annotations

import io

import pytest

from qinglang.core.models import User
from qinglang.protection import demo, services
from qinglang.protection.models import Enterprise

pytestmark = pytest.mark.django_db


def test_demo_enterprise_is_verified_with_its_contact(monkeypatch):
    from qinglang.core import demo as core_demo
    from qinglang.core.services import load_regions

    monkeypatch.setenv("QINGLANG_DEMO_PASSWORD", "demo-password-for-tests")
    load_regions()
    core_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    assert "already verified" in out.getvalue()
    enterprise = Enterprise.objects.get()
    user = User.objects.get(username="demo-enterprise")
    assert enterprise.organization == user.organization and enterprise.is_verified
    website = User.objects.get(username="demo-website")
    answer = services.check_claim(
        demo.DEMO_USCC, {"email": "legal@demo-food.example.cn"}, acting_user=website
    )
    assert answer.verified and answer.enterprise_name == "示例食品有限公司"
    assert User.objects.filter(organization=user.organization).count() == 1
