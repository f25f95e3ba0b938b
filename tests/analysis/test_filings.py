import pytest
from hypothesis import given
from hypothesis import strategies as st

from qinglang.analysis.domains import registrable_domain
from qinglang.analysis.filings import ABBREVIATION_TO_PROVINCE, iter_icp, parse_icp, parse_psb


@pytest.mark.parametrize(
    ("text", "province", "number", "site"),
    [
        ("京ICP备12345678号-1", "110000", "12345678", "1"),
        ("粤ICP备2021012345号", "440000", "2021012345", None),
        ("网站备案：沪ICP证 090123 号", "310000", "090123", None),
        ("京ＩＣＰ备１２３４５６７８号－２", "110000", "12345678", "2"),
    ],
)
def test_parse_icp(text, province, number, site):
    icp = parse_icp(text)
    assert icp is not None
    assert (icp.province_code, icp.number, icp.site) == (province, number, site)


@pytest.mark.parametrize("text", ["", "ICP备12345678号", "港ICP备12345678号", "京ICP备12号"])
def test_parse_icp_rejects(text):
    assert parse_icp(text) is None


def test_parse_psb():
    psb = parse_psb("京公网安备11010502030143号")
    assert psb is not None
    assert psb.division_code == "110105"
    assert psb.province_code == "110000"
    assert psb.canonical == "京公网安备11010502030143号"


def test_parse_psb_rejects_mismatched_province():
    assert parse_psb("粤公网安备11010502030143号") is None
    assert parse_psb("京公网安备1101050203014号") is None


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://bbs.example.com.cn/thread/1?x=2", "example.com.cn"),
        ("http://WWW.Example.COM/", "example.com"),
        ("news.sina.com.cn", "sina.com.cn"),
        ("https://a.b.gov.cn/", "b.gov.cn"),
        ("https://中文网.中国/path", "xn--fiq228c5hs.xn--fiqs8s"),
    ],
)
def test_registrable_domain(url, domain):
    assert registrable_domain(url) == domain


@pytest.mark.parametrize("url", ["", "http://127.0.0.1/", "not a url at all", "https://localhost/"])
def test_registrable_domain_none(url):
    assert registrable_domain(url) is None


@given(
    st.sampled_from(sorted(ABBREVIATION_TO_PROVINCE)),
    st.sampled_from(["备", "证"]),
    st.from_regex(r"[0-9]{6,10}", fullmatch=True),
    st.one_of(st.none(), st.integers(min_value=1, max_value=99)),
    st.text(alphabet="的了 ，。abc", max_size=8),
)
def test_generated_icp_round_trips(abbr, kind, number, site, filler):
    filing = f"{abbr}ICP{kind}{number}号" + (f"-{site}" if site else "")
    text = filler + filing + "。"
    icp = parse_icp(text)
    assert icp is not None
    assert str(icp) == filing
    assert icp.province_code == ABBREVIATION_TO_PROVINCE[abbr]
    [(found, start, end)] = list(iter_icp(text))
    assert text[start:end] == filing and found == icp


@given(st.text())
def test_parsers_never_crash_on_noise(text):
    parse_icp(text)
    parse_psb(text)
    registrable_domain(text)
    assert list(iter_icp(text)) is not None
