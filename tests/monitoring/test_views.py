"""Staff pages: sources with health, a source, hits, a hit with highlighted reasons; decisions."""

from __future__ import annotations

import pytest

from qinglang.cases.models import Case
from qinglang.core.ledger import events_for
from qinglang.intake.models import ReportStatus
from qinglang.monitoring.models import HitStatus, WatchedSource
from qinglang.monitoring.services import confirm_hit, dismiss_hit
from tests.monitoring.factories import make_hit, make_source

pytestmark = pytest.mark.django_db


def test_source_list_shows_health_in_scope(world, verified_client, django_assert_max_num_queries):
    make_source(world.guangdong_user, "https://gd.example.cn/")
    WatchedSource.objects.update(error_streak=2, last_error="连接超时")
    make_source(world.beijing_user, "https://bj.example.cn/")
    client = verified_client(world.guangdong_user)
    with django_assert_max_num_queries(12):
        response = client.get("/monitoring/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "https://gd.example.cn/" in html and "连接超时" in html
    assert "https://bj.example.cn/" not in html


def test_add_source_through_the_page(world, verified_client):
    client = verified_client(world.guangdong_user)
    response = client.post(
        "/monitoring/",
        {
            "url": "https://bbs.example.cn/",
            "kind": "feed",
            "interval_minutes": 30,
            "keywords": "删帖，舆情处理 负面压制",
        },
    )
    source = WatchedSource.objects.get()
    assert response.status_code == 302 and response["Location"] == source.get_absolute_url()
    assert source.keywords == ["删帖", "舆情处理", "负面压制"] and source.kind == "feed"


def test_bad_source_form_is_400_and_nothing_stored(world, verified_client):
    client = verified_client(world.guangdong_user)
    response = client.post(
        "/monitoring/", {"url": "ftp://x", "kind": "page", "interval_minutes": 1}
    )
    assert response.status_code == 400
    assert not WatchedSource.objects.exists()


def test_hit_page_highlights_reasons_and_guessed_ids_404(world, verified_client):
    source = make_source(world.guangdong_user, "https://gd.example.cn/")
    hit = make_hit(source)
    bj_hit = make_hit(make_source(world.beijing_user, "https://bj.example.cn/"))
    client = verified_client(world.guangdong_user)
    html = client.get(f"/monitoring/hits/{hit.pk}/").content.decode()
    assert "<mark>危机公关</mark>" in html
    assert "3872910456" in html
    assert client.get(f"/monitoring/hits/{bj_hit.pk}/").status_code == 404
    assert client.post(f"/monitoring/hits/{bj_hit.pk}/dismiss/").status_code == 404
    assert client.get(f"/monitoring/sources/{bj_hit.source_id}/").status_code == 404


def test_hit_list_query_count(world, verified_client, django_assert_max_num_queries):
    source = make_source(world.guangdong_user, "https://gd.example.cn/")
    for n in range(3):
        make_hit(
            source, key=f"item-{n}", text=f"专业删帖，先删后付，联系QQ 38729104{n}6，第{n}条。"
        )
    client = verified_client(world.guangdong_user)
    with django_assert_max_num_queries(12):
        response = client.get("/monitoring/hits/?status=lead")
    assert response.status_code == 200 and response.content.decode().count("/monitoring/hits/") >= 3


def test_confirm_turns_the_lead_into_a_case(world, verified_client):
    hit = make_hit(make_source(world.guangdong_user, "https://gd.example.cn/"))
    client = verified_client(world.guangdong_user)
    response = client.post(f"/monitoring/hits/{hit.pk}/confirm/")
    assert response.status_code == 302
    hit.refresh_from_db()
    assert hit.status == HitStatus.CONFIRMED and hit.case is not None
    assert hit.lead.status == ReportStatus.ACCEPTED
    assert Case.objects.filter(reports=hit.lead).exists()
    assert events_for(hit).filter(action="monitoring.hit.confirmed").exists()


def test_dismiss_declines_the_lead_and_keeps_a_label(world):
    hit = make_hit(make_source(world.guangdong_user, "https://gd.example.cn/"))
    dismiss_hit(hit, note="这是版规，不是广告", acting_user=world.guangdong_user)
    hit.refresh_from_db()
    assert hit.status == HitStatus.DISMISSED and hit.decision_note == "这是版规，不是广告"
    assert hit.lead.status == ReportStatus.DECLINED
    from qinglang.monitoring.selectors import training_labels

    assert list(training_labels()) == [hit]


def test_decisions_need_triage_staff_of_the_office_and_a_lead(world):
    from qinglang.core.exceptions import NotPermitted, StateError

    hit = make_hit(make_source(world.shenzhen_user, "https://sz.example.cn/"))
    with pytest.raises(NotPermitted):
        confirm_hit(hit, acting_user=world.guangdong_user)  # superior office, not its triage
    hit.refresh_from_db()
    assert hit.status == HitStatus.LEAD and hit.case is None
    dismiss_hit(hit, acting_user=world.shenzhen_user)
    with pytest.raises(StateError):
        confirm_hit(hit, acting_user=world.shenzhen_user)
    with pytest.raises(StateError):
        dismiss_hit(hit, acting_user=world.shenzhen_user)


def test_resume_a_paused_source(world, verified_client):
    source = make_source(world.guangdong_user, "https://gd.example.cn/")
    WatchedSource.objects.filter(pk=source.pk).update(status="paused", error_streak=5)
    client = verified_client(world.guangdong_user)
    assert client.post(f"/monitoring/sources/{source.pk}/resume/").status_code == 302
    source.refresh_from_db()
    assert source.status == "active" and source.error_streak == 0
    # Resuming an active source changes nothing.
    client.post(f"/monitoring/sources/{source.pk}/resume/")
    assert events_for(source).filter(action="monitoring.source.resumed").count() == 1


def test_hit_page_shows_near_duplicates(world, verified_client):
    source = make_source(world.guangdong_user, "https://gd.example.cn/")
    first = make_hit(source)
    second = make_hit(source, key="item-2", text="【转载】" + first.text)
    html = verified_client(world.guangdong_user).get(f"/monitoring/hits/{second.pk}/").content
    assert f"/monitoring/hits/{first.pk}/".encode() in html
