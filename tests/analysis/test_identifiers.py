import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from qinglang.analysis.identifiers import KINDS, Identifier, extract, icp_main_number
from qinglang.analysis.normalize import digits_of, normalize_text


def found(text: str) -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in extract(text)}


def spans(text: str) -> dict[tuple[str, str], str]:
    return {(i.kind, i.value): text[i.start : i.end] for i in extract(text)}


def test_identifier_is_frozen():
    identifier = Identifier("qq", "12345", 0, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        identifier.value = "1"  # type: ignore[misc]
    assert identifier.as_dict() == {"kind": "qq", "value": "12345", "start": 0, "end": 5}


@pytest.mark.parametrize(
    ("text", "kind", "value", "span"),
    [
        ("电话 138-1234-5678", "phone", "+8613812345678", "138-1234-5678"),
        ("手机：１３９ ８８８８ ７７７７", "phone", "+8613988887777", "１３９ ８８８８ ７７７７"),
        ("+86 150 1111 2222 随时联系", "phone", "+8615011112222", "+86 150 1111 2222"),
        ("联系 1 3 8 ★ 1 2 3 4 ★ 5 6 7 8", "phone", "+8613812345678", "1 3 8 ★ 1 2 3 4 ★ 5 6 7 8"),
        ("座机 010-12345678", "phone", "+861012345678", "010-12345678"),
        ("(0755) 8888 9999", "phone", "+8675588889999", "(0755) 8888 9999"),
        ("客服热线 400-810-8888", "phone", "+864008108888", "400-810-8888"),
        ("QQ：12345678", "qq", "12345678", "12345678"),
        ("扣扣 九七六五四三二一", "qq", "97654321", "九七六五四三二一"),
        ("企鹅号码是 88 66 99 77", "qq", "88669977", "88 66 99 77"),
        ("Q:3344556677", "qq", "3344556677", "3344556677"),
        ("加V信：Shantie_888 咨询", "wechat", "shantie_888", "Shantie_888"),
        ("薇：delpost01", "wechat", "delpost01", "delpost01"),
        ("vx abc-1234", "wechat", "abc-1234", "abc-1234"),
        ("wxid_ab12cd34ef 是我", "wechat", "wxid_ab12cd34ef", "wxid_ab12cd34ef"),
        ("微信号：13812345678", "wechat", "13812345678", "13812345678"),
        ("邮箱 Boss.PR@Example.COM", "email", "boss.pr@example.com", "Boss.PR@Example.COM"),
        ("发到 pr_team#163.com", "email", "pr_team@163.com", "pr_team#163.com"),
        (
            "见 https://bbs.Example.com.cn/t/1。",
            "url",
            "https://bbs.Example.com.cn/t/1",
            "https://bbs.Example.com.cn/t/1",
        ),
        (
            "见 https://bbs.Example.com.cn/t/1。",
            "domain",
            "example.com.cn",
            "https://bbs.Example.com.cn/t/1",
        ),
        ("打开 www.shantie.top 下单", "url", "http://www.shantie.top", "www.shantie.top"),
        ("官网 Delete-PR.cn 了解", "domain", "delete-pr.cn", "Delete-PR.cn"),
        # Alipay accounts as written: a phone-shaped one as its 11 digits.
        ("支付宝：13912345678", "alipay", "13912345678", "13912345678"),
        ("zfb 账号 pay@Example.com", "alipay", "pay@example.com", "pay@Example.com"),
        (
            "卡号 6222 0212 3456 7890 128",
            "bank_card",
            "6222021234567890128",
            "6222 0212 3456 7890 128",
        ),
        ("信用代码：91110108551385082Q", "uscc", "91110108551385082Q", "91110108551385082Q"),
        (
            "京ＩＣＰ备１２３４５６７８号－１",
            "icp",
            "京ICP备12345678号-1",
            "京ＩＣＰ备１２３４５６７８号－１",
        ),
    ],
)
def test_extracts(text, kind, value, span):
    assert spans(text)[(kind, value)] == span


def test_qq_mail_gives_qq_and_email():
    assert found("12345678@qq.com") == {("email", "12345678@qq.com"), ("qq", "12345678")}


def test_listed_qq_numbers():
    assert found("QQ：123456 / 234567、345678 或 456789") == {
        ("qq", "123456"),
        ("qq", "234567"),
        ("qq", "345678"),
        ("qq", "456789"),
    }


def test_wechat_same_as_phone():
    assert found("手机 15011112222（微信同号）") == {
        ("phone", "+8615011112222"),
        ("wechat", "15011112222"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "价格 13800 元，优惠后 12800 元",
        "日期 2023-12-01 13:45，订单号 20231201123456789",
        "身份证 11010519491231002X",
        "第 123456 号文件，编号 2023120112",
        "营业额 1,380,000,000 元",
        "IP 192.168.100.200，端口 8080",
        "版本 V1.0.2 发布，文件 readme.md 和 setup.py",
        "张薇老师的电话还没有给我",
        "QQ群里有人说价格是 50000 元",
        "快递单号 773012345678901",
        "卡 6212260200012345678",  # Luhn fails
        "随机号 4111111111111111",  # Luhn passes but no card context and not UnionPay
        "统一社会信用代码 91110108551385082X",  # wrong check digit
        "时间戳 1701388800123",
    ],
)
def test_no_false_positives(text):
    assert extract(text) == []


def test_split_number_is_not_cut_out_of_a_longer_one():
    assert found("流水号 2023 1381 2345 678") == set()


def test_no_duplicates_and_sorted():
    text = "QQ 12345678，QQ 12345678；电话 13812345678 13812345678"
    result = extract(text)
    assert len({(i.kind, i.value, i.start) for i in result}) == len(result)
    assert [i.start for i in result] == sorted(i.start for i in result)
    assert [i.kind for i in result].count("phone") == 2


def test_empty_text():
    assert extract("") == []


DIGIT_KINDS = {"qq", "phone", "bank_card"}
fragments = st.sampled_from(
    [
        "QQ",
        "扣扣",
        "微信",
        "V信",
        "支付宝",
        "电话",
        "卡号",
        "删帖",
        "价格",
        "元",
        "：",
        " ",
        "-",
        "★",
        "😀",
        "一三八",
        "九七六",
        "13812345678",
        "12345678",
        "6222",
        "@qq.com",
        "https://",
        ".com",
        "abc_def",
        "京ICP备",
        "号",
        "\n",
        "，",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(fragments, st.text(max_size=5), st.from_regex(r"\d{1,12}", fullmatch=True)),
        max_size=25,
    ).map("".join)
)
def test_random_text_gives_consistent_spans(text):
    for identifier in extract(text):
        assert identifier.kind in KINDS
        assert 0 <= identifier.start < identifier.end <= len(text)
        if identifier.kind in DIGIT_KINDS:
            source_digits = digits_of(normalize_text(text[identifier.start : identifier.end]))
            value_digits = digits_of(identifier.value)
            assert value_digits.removeprefix("86") in source_digits


@settings(deadline=None)
@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_luhn_card_after_cue_is_found(body):
    card = "62" + body[:15] + luhn.calc_check_digit("62" + body[:15])
    text = f"银行卡号：{card[:4]} {card[4:8]} {card[8:12]} {card[12:]}"
    assert ("bank_card", card) in found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("微信 50000 元红包", set()),  # digits after 微信 only as a bound mobile
        ("QQ/微信：12345678", {("qq", "12345678"), ("wechat", "12345678")}),
        ("微信/QQ：12345678", {("qq", "12345678"), ("wechat", "12345678")}),
        ("每月扣 50000 元", set()),
        ("➕扣：10203040", {("qq", "10203040")}),
        ("Q3 季度营收 12345678 元", set()),
        ("微❤：abc123", {("wechat", "abc123")}),
        ("a@b.hi 和 x@y.zz", set()),  # not real top-level domains
        ("加我薇芯：abc_12345", {("wechat", "abc_12345")}),
        ("加微 abc_123456", {("wechat", "abc_123456")}),
        ("联系：V（abc12345）", {("wechat", "abc12345")}),
        ("加微博关注", set()),
        ("邮箱：abc@163。com", {("email", "abc@163.com")}),
        ("12345678艾特qq点com", {("email", "12345678@qq.com"), ("qq", "12345678")}),
        ("客服电话：95588", set()),  # short service numbers are not phones
    ],
)
def test_marker_edges(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A bare Q label, digits grouped by dashes, dots or spaces, any width.
        ("Q：123-456-789", {("qq", "123456789")}),
        ("q 1234 5678", {("qq", "12345678")}),
        ("加Q:12.34.56.78", {("qq", "12345678")}),
        ("Q 98 7654 3210", {("qq", "9876543210")}),
        # Digits inside a URL or a path are never phones, QQ numbers or cards.
        (
            "http://wpa.qq.com/msgrd?uin=12345678",
            {("url", "http://wpa.qq.com/msgrd?uin=12345678"), ("domain", "qq.com")},
        ),
        ("bbs.tieba-clean.xyz/thread/13812345678", {("domain", "tieba-clean.xyz")}),
        ("文件在 /data/13812345678/6222021234567890128.txt", set()),
        # "QQ同号", "微信同号", and a number labelled 微信/微信号 give the WeChat ID too.
        ("QQ 12345678（微信同号）", {("qq", "12345678"), ("wechat", "12345678")}),
        ("微信：12345678", {("wechat", "12345678")}),
        ("微信号 87654321，QQ同号", {("qq", "87654321"), ("wechat", "87654321")}),
        ("电话 13812345678，QQ同号", {("qq", "13812345678"), ("phone", "+8613812345678")}),
        # WeChat IDs split by spaces.
        ("微信：del post 88", {("wechat", "delpost88")}),
        ("加微信 wang 5 6 7 8 8 详谈", {("wechat", "wang56788")}),
        ("wx: abcd_1234 or qq", {("wechat", "abcd_1234")}),
        # +86 landlines with the area code in brackets.
        ("+86(10)6234 5678", {("phone", "+861062345678")}),
        ("电话 +86 (755) 8600-1234", {("phone", "+8675586001234")}),
        ("0086 10 62345678", {("phone", "+861062345678")}),
        ("+86 138 1234 5678", {("phone", "+8613812345678")}),
    ],
)
def test_broker_habits(text, expected):
    assert found(text) == expected


def test_spans_of_split_and_same_as_values():
    text = "微信：del post 88，QQ 2233445566（微信同号）"
    got = {(i.kind, i.value): text[i.start : i.end] for i in extract(text)}
    assert got[("wechat", "delpost88")] == "del post 88"
    assert got[("wechat", "2233445566")] == "2233445566"


def test_icp_main_number():
    assert icp_main_number("京ICP备12345678号-1") == "京ICP备12345678号"
    assert icp_main_number("京ICP备12345678号") == "京ICP备12345678号"
    assert icp_main_number("no filing") is None


def test_analysis_never_imports_django():
    import subprocess
    import sys

    code = (
        "import sys; import qinglang.analysis.identifiers, qinglang.analysis.classify, "
        "qinglang.analysis.segment, qinglang.analysis.similarity, qinglang.analysis.cli, "
        "qinglang.analysis.evaluate; assert not any(m.startswith('django') for m in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr


def test_uscc_pattern_is_the_case_blind_one():
    """_USCC spells out what `[0-9A-Z]` ignoring case takes; it finds what that pattern finds."""
    import random
    import re
    import sys

    from qinglang.analysis.identifiers import _ALNUM, _USCC

    blind = re.compile(r"[0-9A-Z]", re.IGNORECASE)
    spelt = re.compile(_ALNUM)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (blind.fullmatch(char) is None) == (spelt.fullmatch(char) is None), hex(code)
    reference = re.compile(r"(?<![A-Za-z0-9])[0-9A-Z]{18}(?![A-Za-z0-9])", re.IGNORECASE)
    rng = random.Random(18)
    alphabet = "0123456789ABCXYZabcxyz İıſ\u212a-号京"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
        text = text.replace("-", "9" * rng.randrange(1, 20))
        assert [m.span() for m in _USCC.finditer(text)] == [
            m.span() for m in reference.finditer(text)
        ], text
