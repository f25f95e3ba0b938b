"""Personal-data detection (pure Python): each kind, check digits, overlaps, known details."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from qinglang.analysis import pii


def _kinds(text: str, **kw: object) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in pii.detect(text, **kw)]  # type: ignore[arg-type]


def _luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        if pii.luhn_valid(prefix + d):
            return prefix + d
    raise AssertionError


def test_phones_mobile_split_and_landline():
    found = _kinds("电话 139 1234 5678 或 +86 13800138000，座机 010-12345678")
    assert found == [
        (pii.PHONE, "139 1234 5678"),
        (pii.PHONE, "+86 13800138000"),
        (pii.PHONE, "010-12345678"),
    ]


def test_identity_number_needs_a_valid_check_digit():
    assert _kinds("身份证110101199003074477") == [(pii.IDENTITY, "110101199003074477")]
    assert pii.IDENTITY not in {f.kind for f in pii.detect("身份证110101199003074478")}
    assert pii.identity_number_valid("11010519491231002X")


def test_bank_card_needs_luhn():
    card = _luhn_complete("622202123456789012")
    assert _kinds(f"卡号{card}") == [(pii.BANK_CARD, card)]
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert pii.BANK_CARD not in {f.kind for f in pii.detect(f"卡号{wrong}")}


def test_email_qq_wechat_with_obfuscated_cues():
    found = _kinds("邮箱a.b@example.cn，扣扣 2853661704，V信 shantie_888，QQ号：12345")
    assert found == [
        (pii.EMAIL, "a.b@example.cn"),
        (pii.QQ, "2853661704"),
        (pii.WECHAT, "shantie_888"),
        (pii.QQ, "12345"),
    ]


def test_person_names_by_cue_or_title_not_companies():
    found = _kinds("举报人陈红反映，张伟先生称，记者欧阳小明到场。示例资讯网络科技有限公司")
    assert (pii.NAME, "陈红") in found
    assert (pii.NAME, "张伟") in found
    assert (pii.NAME, "欧阳小明") in found
    assert all("公司" not in text for _k, text in found)
    assert pii.detect("王某和李某") == []


def test_known_details_win_and_match_reformatted_numbers():
    found = pii.detect("联系 139-1234-5678，陈女士", known=["13912345678", "陈女士"])
    assert [(f.kind, f.text) for f in found] == [
        (pii.KNOWN, "139-1234-5678"),
        (pii.KNOWN, "陈女士"),
    ]


def test_redact_masks_and_keeps_surname():
    text = "举报人陈红，电话13912345678。"
    out = pii.redact(text, pii.detect(text))
    assert out == "举报人陈某，电话〔电话已隐去〕。"
    assert pii.redact_all("没有个人信息") == "没有个人信息"


def test_segments_cover_the_text_in_order():
    text = "甲13912345678乙"
    segs = pii.segments(text, pii.detect(text))
    assert "".join(s for s, _f in segs) == text
    assert [f.kind if f else None for _s, f in segs] == [None, pii.PHONE, None]


@given(st.text(max_size=200))
def test_redaction_never_leaves_a_detected_span(text):
    findings = pii.detect(text)
    for a, b in itertools.pairwise(findings):
        assert a.end <= b.start
    out = pii.redact(text, findings)
    for f in findings:
        if f.kind != pii.NAME and len(f.text) > 4:
            assert f.text not in out or text.count(f.text) > 1


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_every_mobile_number_is_found(number):
    assert number not in pii.redact_all(f"电话{number}。")
