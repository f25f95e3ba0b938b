"""The case list's visibility, shaped for counting from indexes, is exactly `cases_visible_to`."""

from __future__ import annotations

import pytest

from qinglang.cases.models import Case
from qinglang.cases.selectors import cases as case_selectors
from qinglang.cases.selectors.cases import CaseFilters, cases_visible_to, list_cases
from tests.cases.factories import make_case


def _cases(world):
    """Cases led by Beijing, Guangdong and Shenzhen; Guangdong co-handles one of Beijing's."""
    shared = make_case(
        world.beijing_user, url="https://a.example.cn/", co_offices=[world.guangdong_office]
    )
    beijing_only = make_case(world.beijing_user, url="https://b.example.cn/")
    guangdong = make_case(world.guangdong_user, url="https://c.example.cn/")
    shenzhen = make_case(world.shenzhen_user, url="https://d.example.cn/")
    internal = make_case(world.guangdong_user, url="https://e.example.cn/")
    Case.objects.filter(pk=internal.pk).update(is_internal=True)
    return shared, beijing_only, guangdong, shenzhen, internal


def _users(world):
    return [
        world.national_user,
        world.beijing_user,
        world.guangdong_user,
        world.shenzhen_user,
        world.police_user,
        world.inspector,
    ]


@pytest.mark.django_db
def test_the_list_shows_exactly_the_visible_cases_for_every_kind_of_user(world):
    shared, beijing_only, guangdong, shenzhen, internal = _cases(world)
    for user in _users(world):
        expected = set(cases_visible_to(user).values_list("pk", flat=True))
        assert set(list_cases(user).values_list("pk", flat=True)) == expected, user
        assert list_cases(user).count() == len(expected)
    seen = set(list_cases(world.guangdong_user).values_list("pk", flat=True))
    # Its own, its subordinate's, the one it co-handles; never Beijing's own nor internal ones.
    assert seen == {shared.pk, guangdong.pk, shenzhen.pk}
    assert beijing_only.pk not in seen and internal.pk not in seen


@pytest.mark.django_db
def test_a_busy_co_handler_falls_back_to_the_plain_filter_with_the_same_rows(world, monkeypatch):
    shared, *_ = _cases(world)
    monkeypatch.setattr(case_selectors, "CO_HANDLED_LITERAL_MAX", 0)
    seen = set(list_cases(world.guangdong_user, CaseFilters()).values_list("pk", flat=True))
    assert shared.pk in seen
    assert seen == set(cases_visible_to(world.guangdong_user).values_list("pk", flat=True))
