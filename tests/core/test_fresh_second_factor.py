"""Revealing a reporter's identity or approving a publication needs a code < 15 minutes old."""

from __future__ import annotations

import pytest

from qinglang.core.fresh import FRESH_SESSION_KEY
from qinglang.core.ledger import events_for
from qinglang.core.models import IdentityAccessLog
from qinglang.disclosure import services as disclosure
from qinglang.disclosure.models import ReviewStatus
from tests.cases.factories import make_report
from tests.core.accounts_helpers import make_code_stale, totp_now
from tests.core.auth import login_verified
from tests.disclosure.factories import beijing_lead, closed_case

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
CONFIRM = "/staff/security/confirm/"


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_stale_code_on_identity_reveal_prompts_and_shows_and_logs_nothing(client, world):
    report = make_report(world.shenzhen_office, contact_phone=PHONE)
    login_verified(client, world.shenzhen_user)
    make_code_stale(client)
    url = f"/cases/triage/{report.pk}/contact/"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next=%2Fcases%2Ftriage%2F{report.pk}%2F"
    assert PHONE not in response.content.decode()
    htmx = client.post(url, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith(CONFIRM)
    assert not IdentityAccessLog.objects.exists()
    assert not events_for(report).filter(action="report.contact_revealed").exists()

    # A wrong code keeps it stale, with its own message.
    prompt = client.get(response["Location"])
    assert prompt.status_code == 200 and "15 minutes" in prompt.content.decode()
    wrong = client.post(CONFIRM, {"token": "000000", "next": f"/cases/triage/{report.pk}/"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    assert client.post(url).status_code == 302 and not IdentityAccessLog.objects.exists()

    # The right code returns to the report; now the contact shows, logged once.
    ok = client.post(
        CONFIRM, {"token": totp_now(world.shenzhen_user), "next": f"/cases/triage/{report.pk}/"}
    )
    assert ok.status_code == 302 and ok["Location"] == f"/cases/triage/{report.pk}/"
    shown = client.post(url, HTTP_HX_REQUEST="true")
    assert PHONE in shown.content.decode()
    assert IdentityAccessLog.objects.get().user == world.shenzhen_user


def test_a_session_without_a_code_time_counts_as_stale(client, world):
    report = make_report(world.shenzhen_office, contact_phone=PHONE)
    login_verified(client, world.shenzhen_user)
    session = client.session
    del session[FRESH_SESSION_KEY]
    session.save()
    assert client.post(f"/cases/triage/{report.pk}/contact/").status_code == 302
    assert not IdentityAccessLog.objects.exists()


def test_someone_who_may_not_reveal_gets_403_or_404_not_a_prompt(client, world):
    report = make_report(world.shenzhen_office, contact_phone=PHONE)
    login_verified(client, world.guangdong_user)
    make_code_stale(client)
    assert client.post(f"/cases/triage/{report.pk}/contact/").status_code == 403
    login_verified(client, world.beijing_user)
    make_code_stale(client)
    assert client.post(f"/cases/triage/{report.pk}/contact/").status_code == 404


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_prompt_never_returns_to_another_site(client, world, target):
    login_verified(client, world.shenzhen_user)
    make_code_stale(client)
    ok = client.post(CONFIRM, {"token": totp_now(world.shenzhen_user), "next": target})
    assert ok.status_code == 302 and ok["Location"] == "/staff/"


def test_stale_code_on_batch_approval_prompts_and_approves_nothing(client, world):
    lead = beijing_lead(world)
    case = closed_case(world)
    batch = disclosure.create_batch(title="第一批", acting_user=world.beijing_user)
    disclosure.add_entry(
        batch, case_id=case.pk, summary="收费删帖。", acting_user=world.beijing_user
    )
    disclosure.submit_batch(batch, acting_user=world.beijing_user)
    login_verified(client, lead)
    make_code_stale(client)
    url = f"/staff/disclosure/batches/{batch.pk}/approve/"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next=%2Fstaff%2Fdisclosure%2Fbatches%2F{batch.pk}%2F"
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.SUBMITTED
    client.post(
        CONFIRM, {"token": totp_now(lead), "next": f"/staff/disclosure/batches/{batch.pk}/"}
    )
    client.post(url)
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.APPROVED


def test_stale_code_on_typical_case_approval_prompts(client, world):
    from qinglang.disclosure.models import TypicalCase

    lead = beijing_lead(world)
    item = disclosure.create_typical_case(
        acting_user=world.beijing_user,
        title="先删后付案",
        facts="中介承诺先删后付。",
        handling="约谈。",
        lessons="别付钱。",
        category="paid_deletion",
    )
    disclosure.submit_typical_case(item, acting_user=world.beijing_user)
    login_verified(client, lead)
    make_code_stale(client)
    response = client.post(f"/staff/disclosure/typical-cases/{item.pk}/approve/")
    assert response.status_code == 302 and response["Location"].startswith(CONFIRM)
    assert TypicalCase.objects.get(pk=item.pk).status == ReviewStatus.SUBMITTED


def _submitted_batch(world):
    case = closed_case(world)
    batch = disclosure.create_batch(title="第一批", acting_user=world.beijing_user)
    disclosure.add_entry(
        batch, case_id=case.pk, summary="收费删帖。", acting_user=world.beijing_user
    )
    disclosure.submit_batch(batch, acting_user=world.beijing_user)
    return batch


def test_api_approval_through_a_stale_session_is_refused_and_changes_nothing(client, world):
    lead = beijing_lead(world)
    batch = _submitted_batch(world)
    login_verified(client, lead)
    make_code_stale(client)
    url = f"/api/v1/disclosure/batches/{batch.pk}/approve/"
    response = client.post(url, data="{}", content_type="application/json")
    assert response.status_code == 403 and "15 minutes" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.SUBMITTED
    assert not events_for(batch).filter(action="batch.approved").exists()


def test_api_approval_with_a_bearer_token_is_not_asked_for_a_code(client, world):
    from qinglang.core.services import create_api_token

    lead = beijing_lead(world)
    batch = _submitted_batch(world)
    token = create_api_token(lead)
    response = client.post(
        f"/api/v1/disclosure/batches/{batch.pk}/approve/",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.status == ReviewStatus.APPROVED
