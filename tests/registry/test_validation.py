"""Validation of registry values: USCC, filings, bank cards, phones, identity numbers."""

from __future__ import annotations

import contextlib

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from qinglang.core.exceptions import DomainError
from qinglang.registry import validation
from tests.registry.factories import IDENTITY, USCC_A, USCC_B


@pytest.mark.parametrize("value", [USCC_A, USCC_B, USCC_A.lower(), f" {USCC_B} "])
def test_valid_uscc(value):
    assert validation.normalize_uscc(value) == value.strip().upper()


@pytest.mark.parametrize(
    "value", ["91110000600037341X", "9111000060003734", "", "ABCDEFGHIJKLMNOPQR"]
)
def test_uscc_with_bad_check_digit_or_format_is_refused(value):
    with pytest.raises(DomainError, match="unified social credit code"):
        validation.normalize_uscc(value)


def test_icp_and_psb_are_canonicalised():
    assert validation.normalize_icp("京ICP备 12345678号-1") == "京ICP备12345678号-1"
    assert validation.normalize_psb("京公网安备11010502030143号") == "京公网安备11010502030143号"


@pytest.mark.parametrize("value", ["ICP12345678", "京ICP备号", "沪ICP 123"])
def test_bad_icp_is_refused(value):
    with pytest.raises(DomainError, match="ICP"):
        validation.normalize_icp(value)


def test_psb_province_mismatch_is_refused():
    with pytest.raises(DomainError, match="public-security"):
        validation.normalize_psb("粤公网安备11010502030143号")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("6222 0212 3456 7890 128", True),
        ("6222 0212 3456 7890 129", False),
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("1234", False),
    ],
)
def test_bank_card_luhn(value, ok):
    assert validation.is_valid_bank_card(value) is ok


def test_bank_card_identifier_is_digits_only():
    assert validation.normalize_identifier("bank_card", "4111-1111-1111-1111") == "4111111111111111"
    with pytest.raises(DomainError, match="Luhn"):
        validation.normalize_identifier("bank_card", "4111111111111112")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("010-12345678", "+861012345678"),
    ],
)
def test_phone_normalised_to_e164(value, expected):
    assert validation.normalize_identifier("phone", value) == expected


@pytest.mark.parametrize("value", ["12345", "phone", ""])
def test_bad_phone_is_refused(value):
    with pytest.raises(DomainError, match="phone"):
        validation.normalize_identifier("phone", value)


def test_other_identifier_kinds():
    assert validation.normalize_identifier("qq", "2876 543 210") == "2876543210"
    assert validation.normalize_identifier("wechat", "Yuqing-PR888") == "yuqing-pr888"
    assert validation.normalize_identifier("email", "Broker@Example.COM") == "broker@example.com"
    assert validation.normalize_identifier("domain", "https://www.Shili-News.com.cn/a") == (
        "shili-news.com.cn"
    )
    assert validation.normalize_identifier("alipay", "13800138000") == "+8613800138000"
    for kind, bad in [("qq", "123"), ("wechat", "1abc"), ("email", "x@"), ("nope", "1")]:
        with pytest.raises(DomainError):
            validation.normalize_identifier(kind, bad)


def test_identity_number_is_hashed_with_the_key():
    number = validation.normalize_identity_number(IDENTITY.lower())
    digest = validation.identity_hash(number)
    assert len(digest) == 64 and IDENTITY not in digest
    with override_settings(QINGLANG_IDENTITY_HASH_KEY="another-key"):
        assert validation.identity_hash(number) != digest
    with pytest.raises(DomainError, match="identity"):
        validation.normalize_identity_number("110105194912310021")


@given(st.text(max_size=40))
def test_normalize_identifier_never_crashes(text):
    for kind in validation.IDENTIFIER_KINDS:
        with contextlib.suppress(DomainError):
            validation.normalize_identifier(kind, text)
