"""Near-duplicate index: MinHash + LSH bands in the database; reports and hits linked."""

from __future__ import annotations

import pytest

from qinglang.analysis import lsh
from qinglang.intake import services as intake_services
from qinglang.registry.models import SignatureBand, TextSignature
from qinglang.registry.selectors import near_duplicates_for
from qinglang.registry.services import find_near_duplicates, index_near_duplicates

ARTICLE = (
    "某某食品公司生产车间卫生堪忧，记者暗访发现工人未穿戴防护用品，过期原料随意堆放，"
    "冷库温度长期不达标。多名前员工证实，公司曾多次被消费者投诉，但问题始终没有整改。"
)


def test_minhash_is_stable_and_estimates_similarity():
    a = lsh.minhash(ARTICLE)
    assert a == lsh.minhash(ARTICLE) and len(a) == lsh.NUM_PERM
    assert lsh.unpack(lsh.pack(a)) == a
    near = lsh.minhash(ARTICLE.replace("记者暗访", "本报记者近日暗访"))
    far = lsh.minhash("今天天气很好，我们去公园散步，看到很多人在放风筝。")
    assert lsh.estimate(a, near) > 0.6 > lsh.estimate(a, far)
    assert lsh.minhash("  ，。 ") == () and lsh.band_hashes(()) == []
    assert all(0 <= k < 2**63 for k in lsh.band_hashes(a))


@pytest.mark.django_db
def test_index_links_a_repost_to_the_earlier_text_only(world):
    office = world.guangdong_office
    assert (
        index_near_duplicates(
            source=("intake.report", 1), text=ARTICLE, office_id=office.pk, region_code="440000"
        )
        == []
    )
    index_near_duplicates(
        source=("intake.report", 2),
        text="会议通知：明天上午九点在三楼会议室召开年度总结会，请各部门负责人准时参加。",
        office_id=office.pk,
        region_code="440000",
    )
    repost = ARTICLE.replace("记者暗访发现", "记者近日暗访时发现") + "（转载）"
    matches = index_near_duplicates(
        source=("monitoring.hit", 7), text=repost, office_id=office.pk, region_code="440000"
    )
    assert [(m.source_type, m.source_id) for m in matches] == [("intake.report", "1")]
    assert matches[0].similarity >= 0.5
    assert TextSignature.objects.count() == 3
    assert SignatureBand.objects.count() == 3 * lsh.BANDS
    # Indexing the same source again adds nothing.
    index_near_duplicates(
        source=("monitoring.hit", 7), text=repost, office_id=office.pk, region_code="440000"
    )
    assert TextSignature.objects.count() == 3
    assert find_near_duplicates(lsh.minhash(repost), exclude=("monitoring.hit", "7"))


@pytest.mark.django_db
def test_near_duplicates_are_shown_only_in_scope(world):
    index_near_duplicates(
        source=("intake.report", 1),
        text=ARTICLE,
        office_id=world.beijing_office.pk,
        region_code="110000",
    )
    index_near_duplicates(
        source=("intake.report", 2),
        text=ARTICLE + "。",
        office_id=world.guangdong_office.pk,
        region_code="440000",
    )
    gd = near_duplicates_for(("intake.report", 2), user=world.guangdong_user)
    assert gd.visible == [] and gd.hidden == 1
    national = near_duplicates_for(("intake.report", 2), user=world.national_user)
    assert [d["source_id"] for d in national.visible] == ["1"]
    assert national.visible[0]["percent"] >= 90


@pytest.mark.django_db
def test_analysis_links_a_report_to_an_earlier_near_duplicate(world, verified_client):
    body = {"category": "extortion", "description": ARTICLE, "targets": [{"website_name": "某网"}]}
    first = intake_services.submit_report(body).report
    intake_services.analyse_report(first.pk)
    second = intake_services.submit_report(
        {**body, "description": ARTICLE.replace("暗访", "调查")}
    ).report
    intake_services.analyse_report(second.pk)
    second.refresh_from_db()
    assert second.analysis["near_duplicates"] == 1
    user = world.national_user
    html = verified_client(user).get(f"/cases/triage/{second.pk}/").content.decode()
    assert f"/cases/triage/{first.pk}/" in html
    assert "%" in html
