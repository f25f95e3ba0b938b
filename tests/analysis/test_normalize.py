import pytest
from hypothesis import given
from hypothesis import strategies as st

from qinglang.analysis.normalize import (
    NUMERAL_DIGITS,
    deletion_terms,
    fold,
    normalize,
    normalize_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＱＱ：１２３４５６", "QQ:123456"),
        ("刪帖請聯繫", "删帖请联系"),
        ("扣扣 九七六五四三二一", "QQ 97654321"),
        ("企鹅：幺三八洞洞拐勾两三四五", "QQ:13800792345"),
        ("加V信 abc123", "加微信 abc123"),
        ("vx：abc123 / wx: abcdef", "微信:abc123 / 微信: abcdef"),
        ("薇：delpost01", "微信:delpost01"),
        ("徽❤信 abcdef", "微信 abcdef"),
        # A space between two Chinese characters is noise inside a word, folded away.
        ("删tie 删贴 shan帖 珊帖", "删帖 删帖 删帖删帖"),
        ("删.帖 删/帖 删 帖", "删帖删帖删帖"),
        ("危(wēi)機(jī)公关", "危机公关"),
        ("专业删（shān）帖（tiě）", "专业删帖"),
        ("支 付 宝：abc", "支付宝:abc"),
        ("删\u200b帖", "删帖"),
        ("1★3★8", "138"),
    ],
)
def test_normalize(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://wx.qq.com/ 与 12345@qq.com",  # markers inside URLs and addresses stay
        "版本 V1.0 发布",  # a version is not a WeChat marker
        "三五成群，一五一十",  # short numeral runs stay words
        "中国(China)",  # a capitalised word in brackets is no pinyin annotation
        "壹万伍仟元",  # amounts are not contact runs
        "张薇老师",  # a name is not a WeChat marker
    ],
)
def test_normalize_leaves_ordinary_text(text):
    assert normalize_text(text) == fold(text).text


def test_offsets_point_into_the_original():
    text = "联系ＱＱ：一三八 一二三四 五六七八"
    norm = normalize(text)
    start = norm.text.index("138")
    s, e = norm.span(start, len(norm.text))
    assert text[s:e] == "一三八 一二三四 五六七八"
    s, e = norm.span(norm.text.index("QQ"), norm.text.index("QQ") + 2)
    assert text[s:e] == "ＱＱ"


def test_replacement_maps_to_the_whole_marker():
    text = "需要删 tie 吗"
    norm = normalize(text)
    a = norm.text.index("删帖")
    assert text[slice(*norm.span(a, a + 2))] == "删 tie"


def test_deletion_terms():
    text = normalize_text("我们负责舆情处理、负面压制，先刪後付")
    assert deletion_terms(text) == ["舆情处理", "负面压制", "先删后付"]
    assert deletion_terms("今天天气很好") == []


def test_empty():
    norm = normalize("")
    assert norm.text == ""
    assert norm.span(0, 0) == (0, 0)


@given(st.text())
def test_offset_map_is_monotonic_and_in_range(text):
    norm = normalize(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(norm.starts, norm.ends, strict=True))
    assert list(norm.starts) == sorted(norm.starts)


@given(st.text(alphabet="0123456789一二三四五六七八九零 -.★😀", max_size=40))
def test_each_digit_maps_to_its_source_character(text):
    norm = normalize(text)
    for i, ch in enumerate(norm.text):
        if ch.isdigit():
            source = text[norm.starts[i] : norm.ends[i]]
            assert source == ch or NUMERAL_DIGITS[source] == ch


def test_pinyin_and_noise_offsets_point_into_the_original():
    text = "危(wēi)機(jī)公关 删.帖"
    norm = normalize(text)
    assert norm.text == "危机公关删帖"
    s, e = norm.span(0, 4)
    assert text[s:e] == "危(wēi)機(jī)公关"
    s, e = norm.span(4, 6)
    assert text[s:e] == "删.帖"


def test_t2s_character_file_matches_the_installed_dictionaries():
    """The pre-filter skips OpenCC for texts without these characters: it must list them all."""
    from qinglang.analysis.normalize import T2S_CHARS_PATH, t2s_changeable_chars

    listed = set(T2S_CHARS_PATH.read_text(encoding="utf-8").strip())
    assert listed == t2s_changeable_chars()


def test_simplify_converts_each_line_like_the_whole_text():
    from qinglang.analysis.normalize import _nfkc, _simplify, _t2s

    text = "刪帖找我\n價格公道，ＱＱ號碼\nplain ascii line\n\n聯繫電話 乾燥 瞭解\n"
    norm = _nfkc(text)
    assert _simplify(norm).text == _t2s().convert(norm.text)
    assert _simplify(norm).text.split("\n")[:2] == ["删帖找我", "价格公道,QQ号码"]


_GATED = [
    ("_WECHAT_MARKER", "_WECHAT_STARTS"),
    ("_QQ_MARKER", "_QQ_STARTS"),
    ("_ALIPAY_MARKER", "_ALIPAY_STARTS"),
    ("_DELETION_MARKER", "_DELETION_STARTS"),
    ("_PINYIN", "_PINYIN_STARTS"),
    ("_SYMBOL_NOISE", "_SYMBOL_NOISE_STARTS"),
]
_ALPHABET = (
    "微威薇徽维胃卫信芯心❤加扣抠口球企鹅支吱付负宝删珊姗杉帖贴铁危机(中)[]文 :：_.@ſ"
    "wWvVxXqQaAzZsShHtTiIeEnN0123456789一二★☺\u200b"
)


@pytest.mark.parametrize(("pattern", "gate"), _GATED)
@given(text=st.text(alphabet=_ALPHABET, max_size=40))
def test_gated_search_finds_what_the_pattern_finds(pattern, gate, text):
    """A gate only skips positions where the pattern cannot begin: the matches are the same."""
    from qinglang.analysis import normalize as module

    regex, starts = getattr(module, pattern), getattr(module, gate)
    expected = [m.span() for m in regex.finditer(text)]
    assert [m.span() for m in starts.finditer(regex, text)] == expected


@pytest.mark.parametrize(("pattern", "gate"), _GATED)
def test_gated_search_on_the_corpus(pattern, gate):
    from pathlib import Path

    from qinglang.analysis import normalize as module
    from qinglang.analysis.evaluate import load_corpus

    regex, starts = getattr(module, pattern), getattr(module, gate)
    corpus = load_corpus(Path(__file__).parent / "corpus" / "extraction.jsonl")
    for text in [e["text"] for e in corpus] + [fold(e["text"]).text for e in corpus]:
        assert [m.span() for m in starts.finditer(regex, text)] == [
            m.span() for m in regex.finditer(text)
        ], text


_NEEDS_ALPHABET = _ALPHABET + "lLpPyYbBfFİıK \u212a"


def test_needs_letters_have_no_other_case_forms():
    """The needs classes spell y, b and t in both cases: ignoring case adds nothing to them."""
    import re
    import sys

    for letter in "ybt":
        blind = re.compile(letter, re.IGNORECASE)
        forms = {chr(c) for c in range(sys.maxunicode + 1) if blind.fullmatch(chr(c))}
        assert forms == {letter, letter.upper()}


@pytest.mark.parametrize(("pattern", "gate"), _GATED)
@given(text=st.text(alphabet=_NEEDS_ALPHABET, max_size=40))
def test_every_match_holds_what_its_gate_needs(pattern, gate, text):
    """A text without the gate's `needs` is skipped whole: every match must hold it."""
    from qinglang.analysis import normalize as module

    regex, starts = getattr(module, pattern), getattr(module, gate)
    if starts.needs is None:
        return
    for match in regex.finditer(text):
        assert starts.needs.search(match.group()) is not None, match.group()
    norm = fold(text)
    gated, plain = norm.sub(regex, lambda m: "<>", starts), norm.sub(regex, lambda m: "<>")
    assert (gated.text, list(gated.starts), list(gated.ends)) == (
        plain.text,
        list(plain.starts),
        list(plain.ends),
    )


def test_gates_with_needs_skip_texts_without_them():
    from qinglang.analysis import normalize as module

    norm = fold("shan shan 支付 alipa zf 删除 aaa zzz sss")
    assert module._DELETION_STARTS.needs is not None and module._ALIPAY_STARTS.needs is not None
    assert norm.sub(module._DELETION_MARKER, lambda m: "删帖", module._DELETION_STARTS) is norm
    assert norm.sub(module._ALIPAY_MARKER, lambda m: "支付宝", module._ALIPAY_STARTS) is norm
    assert normalize("珊 tie, ZFB").text == "删帖, 支付宝"
