"""Norm and formula versions are added (with a ledger event), never changed or deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from qinglang.compliance.models import EvaluationFormula, Norm
from qinglang.core.ledger import events_for

pytestmark = pytest.mark.django_db


def test_new_norm_version_is_ledgered_and_versions_are_frozen(world):
    model_admin = site._registry[Norm]
    request = RequestFactory().post("/admin/")
    request.user = world.national_user
    norm = Norm(
        code="deletion-four-eyes",
        version=2,
        scope="deletion",
        title="删除类处置须双人复核",
        body="受理与复核不得为同一人。",
        legal_basis="《网站平台受理处置涉企网络侵权信息举报工作规范》",
        effective_from=dt.date(2027, 1, 1),
        check_code="four_eyes",
    )
    model_admin.save_model(request, norm, form=None, change=False)
    assert events_for(norm).get().data["version"] == 2
    existing = Norm.objects.get(code="deletion-four-eyes", version=1)
    assert model_admin.has_change_permission(request, existing) is False
    assert model_admin.has_delete_permission(request, existing) is False
    formula_admin = site._registry[EvaluationFormula]
    assert formula_admin.has_change_permission(request, EvaluationFormula.objects.get()) is False
