"""`open_case` checks its own permission: no caller can open a case for an office out of reach."""

from __future__ import annotations

import pytest

from qinglang.cases.models import Case
from qinglang.cases.services.lifecycle import open_case
from qinglang.core.exceptions import NotPermitted
from qinglang.core.models import LedgerEvent

pytestmark = pytest.mark.django_db


def _open(user, office, **kwargs):
    return open_case(
        acting_user=user, lead_office=office, category="paid_deletion", title="删帖", **kwargs
    )


@pytest.mark.parametrize(
    ("who", "office"),
    [
        ("police_user", "beijing_office"),  # a partner agency is not case staff
        ("website_user", "beijing_office"),
        ("beijing_user", "guangdong_office"),  # another province
        ("shenzhen_user", "guangdong_office"),  # a superior office
    ],
)
def test_open_case_refuses_users_without_jurisdiction_and_writes_nothing(world, who, office):
    before = LedgerEvent.objects.count()
    with pytest.raises(NotPermitted):
        _open(getattr(world, who), getattr(world, office))
    assert not Case.objects.exists() and LedgerEvent.objects.count() == before


def test_open_case_refuses_a_deactivated_user(world):
    world.beijing_user.is_active = False
    world.beijing_user.save(update_fields=["is_active"])
    with pytest.raises(NotPermitted):
        _open(world.beijing_user, world.beijing_office)
    assert not Case.objects.exists()


def test_open_case_allows_own_and_subordinate_offices_and_the_system(world):
    assert _open(world.beijing_user, world.beijing_office).lead_office == world.beijing_office
    assert _open(world.guangdong_user, world.shenzhen_office).lead_office == world.shenzhen_office
    assert _open(None, world.guangdong_office).created_by is None
    assert LedgerEvent.objects.filter(action="case.opened").count() == 3
