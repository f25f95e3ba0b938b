"""Laws library: seed, addressable articles, import (JSON and plain text), thresholds."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from qinglang.core.exceptions import DomainError
from qinglang.core.models import LedgerEvent
from qinglang.disclosure import selectors, services
from qinglang.disclosure.laws_seed import chinese_numeral
from qinglang.disclosure.lawtext import LawTextError, parse_numeral, parse_plain
from qinglang.disclosure.models import LawArticle, LawInstrument, RecordedAmounts, Threshold
from tests.disclosure.factories import closed_case

pytestmark = pytest.mark.django_db


def test_seed_has_the_instruments_and_thresholds():
    fashi = LawInstrument.objects.get(slug="fashi-2013-21")
    assert fashi.document_number == "法释〔2013〕21号"
    art7 = selectors.articles_of(fashi).get(number=7)
    assert art7.heading == "第七条"
    assert art7.get_absolute_url() == "/laws/fashi-2013-21/#article-7"
    individual = Threshold.objects.get(
        offence="illegal_business",
        offender="individual",
        amount_kind="business_volume",
        gravity="serious",
    )
    assert individual.amount == Decimal("50000")
    assert Threshold.objects.get(
        offence="illegal_business",
        offender="unit",
        amount_kind="illegal_gains",
        gravity="especially_serious",
    ).amount == Decimal("250000")
    national = Threshold.objects.get(offence="extortion", gravity="huge", province_code="")
    assert (national.range_low, national.range_high) == (Decimal("30000"), Decimal("100000"))


def test_law_page_has_article_anchors(client):
    r = client.get("/laws/fashi-2013-21/")
    assert r.status_code == 200
    assert 'id="article-7"' in r.content.decode()
    assert client.get("/laws/no-such-law/").status_code == 404


@pytest.mark.parametrize("n", [1, 9, 10, 11, 20, 47, 100, 101, 110, 225, 274, 1000, 2019])
def test_numerals_round_trip(n):
    assert parse_numeral(chinese_numeral(n)) == n


PLAIN = """中华人民共和国示例法
第一章 总则
第一条 为了规范网络信息服务，制定本法。
第二条 网站不得有偿删除信息。
不得下沉或者稀释信息。
第二条之一 补充规定。
第三条 违反本法的，依法处理。
"""


def test_plain_text_import_creates_a_version_and_keeps_summaries(world):
    services.import_law_text(PLAIN, slug="fashi-2013-21", acting_user=None, source="t.txt")
    fashi = LawInstrument.objects.get(slug="fashi-2013-21")
    assert fashi.current_version == 2
    arts = list(selectors.articles_of(fashi))
    assert [a.number for a in arts] == [1, 2, 3]
    assert "稀释" in arts[1].text and "补充规定" in arts[1].text
    # The old version stays readable.
    assert selectors.articles_of(fashi, 1).filter(number=7).exists()
    assert LedgerEvent.objects.filter(action="law.imported").count() == 1


def test_json_import_creates_an_instrument_with_thresholds():
    data = {
        "slug": "bj-extortion-standard",
        "title": "北京市敲诈勒索罪数额标准",
        "kind": "normative_document",
        "issuing_body": "北京市高级人民法院",
        "issued_on": "2013-07-01",
        "articles": [{"number": 1, "text": "数额较大的起点为五千元。", "summary": "起点"}],
        "thresholds": [
            {
                "article": 1,
                "offence": "extortion",
                "offender": "any",
                "amount_kind": "amount_extorted",
                "gravity": "large",
                "amount": "4000",
                "province": "110000",
            }
        ],
    }
    version = services.import_law_text(json.dumps(data), acting_user=None)
    assert version.instrument.title == "北京市敲诈勒索罪数额标准"
    assert Threshold.objects.get(province_code="110000", gravity="large").amount == Decimal("4000")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("没有条文的文本", "file"),
        ("第一条 甲\n第一条 乙", "file"),
        ("第二条 甲\n第一条 乙", "file"),
        ('{"articles": "x"}', "file"),
        ('{"articles": [{"number": "1", "text": "x"}]}', "file"),
        ("{not json", "file"),
        ('{"slug": "new-one", "articles": [{"number": 1, "text": "x"}]}', "title"),
        ('{"slug": "Bad Slug", "articles": [{"number": 1, "text": "x"}]}', "slug"),
        (
            '{"slug": "fashi-2013-10", "articles": [{"number": 1, "text": "x"}], "thresholds":'
            ' [{"article": 1, "offence": "extortion", "offender": "any", "amount_kind":'
            ' "amount_extorted", "gravity": "large", "amount": "9000", "province": "110000"}]}',
            "thresholds",
        ),
    ],
)
def test_bad_imports_change_nothing(text, field):
    before = (LawArticle.objects.count(), Threshold.objects.count(), LawInstrument.objects.count())
    with pytest.raises(DomainError) as exc:
        services.import_law_text(text, acting_user=None)
    assert field in exc.value.message_dict
    after = (LawArticle.objects.count(), Threshold.objects.count(), LawInstrument.objects.count())
    assert before == after
    assert LawInstrument.objects.get(slug="fashi-2013-10").current_version == 1


def test_parse_plain_requires_headings():
    with pytest.raises(LawTextError):
        parse_plain("")


def test_import_command(tmp_path):
    path = tmp_path / "law.txt"
    path.write_text(PLAIN, encoding="utf-8")
    out = io.StringIO()
    call_command("disclosure", "import-law", str(path), "--slug", "criminal-law", stdout=out)
    assert "criminal-law" in out.getvalue()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CommandError):
        call_command("disclosure", "import-law", str(bad), "--slug", "criminal-law")
    with pytest.raises(CommandError):
        call_command("disclosure", "import-law", str(tmp_path / "missing.txt"))


def test_thresholds_from_report_amounts_and_recorded_amounts(world):
    small = closed_case(world, amount="3000.00")
    assert selectors.thresholds_reached(small) == []
    big = closed_case(world, amount="60000.00")
    (reached,) = selectors.thresholds_reached(big)
    assert reached.threshold.gravity == "serious" and reached.article.number == 7
    services.record_amounts(
        big, acting_user=world.beijing_user, offender="unit", business_volume="800000"
    )
    (reached,) = selectors.thresholds_reached(big)
    assert (reached.threshold.offender, reached.threshold.gravity) == ("unit", "especially_serious")
    assert LedgerEvent.objects.filter(action="disclosure.amounts_recorded").count() == 1


def test_extortion_uses_the_provincial_standard(world):
    case = closed_case(world, amount="4000.00", category="extortion")
    # Beijing's own standard (5,000) replaces the national lower end (2,000).
    assert selectors.thresholds_reached(case) == []
    services.record_amounts(case, acting_user=world.beijing_user, amount_extorted="120000")
    (reached,) = selectors.thresholds_reached(case)
    assert reached.threshold.gravity == "huge" and reached.threshold.province_code == "110000"


def test_recording_amounts_is_refused_outside_the_case_and_for_bad_amounts(world):
    case = closed_case(world)
    with pytest.raises(Exception) as exc:
        services.record_amounts(case, acting_user=world.guangdong_user, business_volume="1")
    assert exc.type.__name__ == "NotPermitted"
    with pytest.raises(DomainError):
        services.record_amounts(case, acting_user=world.beijing_user, business_volume="-5")
    with pytest.raises(DomainError):
        services.record_amounts(case, acting_user=world.beijing_user, illegal_gains="abc")
    assert not RecordedAmounts.objects.exists()


def test_case_page_shows_the_threshold_and_suggests_referral(world, verified_client):
    case = closed_case(world, amount="60000.00")
    client = verified_client(world.beijing_user)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "情节严重" in body or "Serious" in body
    assert "/laws/fashi-2013-21/#article-7" in body
    r = client.post(
        f"/staff/disclosure/cases/{case.pk}/amounts/",
        {"offender": "individual", "illegal_gains": "30000"},
    )
    assert r.status_code == 302
    assert RecordedAmounts.objects.get(case=case).illegal_gains == Decimal("30000")
