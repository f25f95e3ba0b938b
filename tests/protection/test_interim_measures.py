"""The interim-measure transfer kind in cases: 24 hours, a measure, answers done/until."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from qinglang.cases.models import Transfer, TransferFeedback
from qinglang.cases.services import transfers
from tests.cases.factories import api_client, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    return make_case(world.shenzhen_user, lead_office=world.shenzhen_office)


def _send(world, case, **kwargs):
    params = {
        "recipient": world.website_operator,
        "kind": "interim_measure",
        "measure": "limited_private",
        "instructions": "请对 https://weibo.example.cn/p/9 限时加私。",
        "acting_user": world.shenzhen_user,
    } | kwargs
    return transfers.send_transfer(case, **params)


def test_interim_measure_is_due_in_24_hours(world, case):
    transfer = _send(world, case)
    assert transfer.measure == "limited_private"
    assert transfer.deadline - transfer.sent_at == dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"measure": ""}, "measure"),
        ({"measure": "delete_everything"}, "measure"),
        ({"deadline_days": 3}, "deadline_days"),
        ({"recipient": "police"}, "recipient"),
    ],
)
def test_bad_interim_measure_is_refused_and_nothing_sent(world, case, kwargs, field):
    if kwargs.get("recipient") == "police":
        kwargs = {"recipient": world.police}
    with pytest.raises(ValidationError) as exc:
        _send(world, case, **kwargs)
    assert field in exc.value.message_dict
    assert not Transfer.objects.exists()


def test_rectification_order_as_documented_still_works(world, case):
    transfer = transfers.send_transfer(
        case,
        recipient=world.website_operator,
        kind="rectification_order",
        instructions="责令删除违规帖子。",
        measures=["删除帖子"],
        acting_user=world.shenzhen_user,
    )
    assert transfer.measure == "" and transfer.measures == ["删除帖子"]
    with pytest.raises(ValidationError) as exc:
        transfers.send_transfer(
            case,
            recipient=world.police,
            kind="criminal_referral",
            instructions="请查处。",
            measure="dispute_label",
            acting_user=world.shenzhen_user,
        )
    assert "measure" in exc.value.message_dict
    feedback = transfers.submit_feedback(
        transfer, summary="已删除。", acting_user=world.website_user
    )
    assert feedback.measure_done is None and feedback.until is None
    with pytest.raises(ValidationError):
        transfers.submit_feedback(
            transfer, summary="已删除。", measure_done=True, acting_user=world.website_user
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "measure_done"),
        ({"measure_done": "yes"}, "measure_done"),
        ({"measure_done": True}, "until"),
        ({"measure_done": True, "until": "2030-01-01"}, "until"),
        ({"measure_done": True, "until": timezone.now() - dt.timedelta(hours=1)}, "until"),
    ],
)
def test_bad_measure_answer_is_refused(world, case, kwargs, field):
    transfer = _send(world, case)
    with pytest.raises(ValidationError) as exc:
        transfers.submit_feedback(
            transfer, summary="已处理。", acting_user=world.website_user, **kwargs
        )
    assert field in exc.value.message_dict
    assert not TransferFeedback.objects.exists()


def test_refusal_with_reason_is_recorded(world, case):
    transfer = _send(world, case)
    feedback = transfers.submit_feedback(
        transfer,
        summary="该内容系正常舆论监督，不予加私。",
        measure_done=False,
        until=timezone.now() + dt.timedelta(days=1),
        acting_user=world.website_user,
    )
    assert feedback.measure_done is False and feedback.until is None
    transfer.refresh_from_db()
    assert transfer.status == "answered"


def test_api_sends_and_answers_an_interim_measure(world, case):
    office = api_client(world.shenzhen_user)
    response = office.post(
        f"/api/v1/cases/{case.pk}/transfers/",
        {
            "recipient": world.website_operator.pk,
            "kind": "interim_measure",
            "measure": "suspend_reposting",
            "instructions": "暂停转发。",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    bad = office.post(
        f"/api/v1/cases/{case.pk}/transfers/",
        {
            "recipient": world.website_operator.pk,
            "kind": "interim_measure",
            "measure": "erase",
            "instructions": "x",
        },
        format="json",
    )
    assert bad.status_code == 400 and "measure" in bad.json()
    website = api_client(world.website_user)
    bad = website.post(
        f"/api/v1/transfers/{pk}/feedback/",
        {"summary": "已暂停", "measure_done": True},
        format="json",
    )
    assert bad.status_code == 400 and "until" in bad.json()
    until = (timezone.now() + dt.timedelta(days=5)).isoformat()
    response = website.post(
        f"/api/v1/transfers/{pk}/feedback/",
        {"summary": "已暂停转发。", "measure_done": True, "until": until},
        format="json",
    )
    assert response.status_code == 201, response.json()
    detail = office.get(f"/api/v1/transfers/{pk}/").json()
    assert detail["measure"] == "suspend_reposting"
    assert detail["feedback"][0]["measure_done"] is True


def test_website_answers_in_its_portal(world, case, client):
    from tests.core.auth import login_verified

    transfer = _send(world, case)
    login_verified(client, world.website_user)
    page = client.get(f"/cases/transfers/{transfer.pk}/").content.decode()
    assert 'id="id_measure_done"' in page and "限时加私" in page
    client.post(f"/cases/transfers/{transfer.pk}/feedback/", {"summary": "已处理"})
    assert not TransferFeedback.objects.exists()
    until = timezone.localtime(timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/cases/transfers/{transfer.pk}/feedback/",
        {"summary": "已限时加私。", "measure_done": "yes", "until": until},
    )
    feedback = TransferFeedback.objects.get()
    assert feedback.measure_done is True and feedback.until is not None
