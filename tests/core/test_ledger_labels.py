"""Template filters that show staff words instead of stored ledger codes."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from qinglang.cases.templatetags.case_labels import measure_label
from qinglang.core.templatetags.ledger_labels import (
    action_label,
    actor_name,
    object_label,
    reason_label,
)
from tests.core.factories import UserFactory


def test_action_label_reads_the_registry_in_the_active_language():
    with translation.override("zh-hans"):
        assert action_label("report.received") == "举报已收到"
        assert action_label("transfer.answered") == "已收到反馈"
    with translation.override("en"):
        assert action_label("report.received") == "Report received"


def test_an_undeclared_historic_code_reads_as_itself():
    assert action_label("report.long_gone") == "report.long_gone"


def test_actor_name_translates_automatic_actors_and_names_people(db):
    with translation.override("zh-hans"):
        assert actor_name(SimpleNamespace(actor=None, actor_label="system")) == "系统"
        assert actor_name(SimpleNamespace(actor=None, actor_label="")) == "系统"
        assert "reporter" not in actor_name(SimpleNamespace(actor=None, actor_label="reporter"))
        person = UserFactory(username="t-labels", display_name="北京市网信办受理员")
        assert (
            actor_name(SimpleNamespace(actor=person, actor_label="t-labels"))
            == "北京市网信办受理员"
        )
        # A label nobody mapped (a command's name) is shown as written, never dropped.
        assert actor_name(SimpleNamespace(actor=None, actor_label="导入脚本")) == "导入脚本"


def test_object_label_names_the_kind_of_a_stored_reference():
    with translation.override("zh-hans"):
        assert object_label("cases.transfer:3") == "移送 第3号"
    with translation.override("en"):
        assert object_label("cases.transfer:3") == "transfer #3"
    assert object_label("nosuch.model:3") == "nosuch.model:3"
    assert object_label("plain text") == "plain text"


def test_reason_and_measure_codes_read_as_words_and_free_text_stays():
    with translation.override("zh-hans"):
        assert reason_label("case_closed") == "案件已办结"
        assert reason_label("网站已整改") == "网站已整改"
        assert measure_label("criminal_referral") == "移送追究刑事责任"
        assert measure_label("retired_measure") == "retired_measure"


def test_filters_load_in_a_template():
    event = SimpleNamespace(action="case.closed", actor=None, actor_label="system")
    with translation.override("en"):
        html = Template(
            "{% load ledger_labels %}{{ e|actor_name }} · {{ e.action|action_label }}"
        ).render(Context({"e": event}))
    assert html == "System · Case closed"
