"""The fast paths of extraction against the plain forms they replaced (same output, exactly).

- NFKC: `_nfkc` replaces only the characters known to change and checks the result with
  `unicodedata.is_normalized`; the reference is NFKC of each character on its own.
- Patterns that began with a lookbehind (tried at every position) or ignored case now begin
  with literals or a plain class; the originals are spelt out here and compared match for match.
- `\\s` spelt out as a class, and the digit gate that counts no further than 16.
"""

import json
import random
import re
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qinglang.analysis import identifiers, normalize
from qinglang.analysis.normalize import (
    EMOJI_CHARS,
    SPACE_CHARS,
    Normalized,
    _nfkc,
    _NfkcTable,
)

CORPORA = (
    Path(__file__).with_name("corpus") / "extraction.jsonl",
    Path(__file__).parents[2] / "qinglang/analysis/corpus/genres.jsonl",
)
CORPUS_TEXTS = [
    json.loads(line)["text"]
    for path in CORPORA
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
# Full-width forms, ligatures, circled and parenthesised numbers, units, fractions,
# superscripts, Roman numerals, half-width katakana and its voicing marks, combining marks,
# Hangul jamo (which compose), other scripts' digits, Kelvin and Ohm signs, ſ, CJK compatibility
# ideographs, an astral character, Chinese text and ASCII.
NFKC_ALPHABET = (
    "０１２３４５６７８９＋－（）：，。．＠＃ＱｑＶｗｘ　ﬁﬂ①⑩⑴⒈㈠㊀㎏㎡℃½²³ⅠⅫⅰ｀ｱｶﾞﾟ"
    "\u0301\u0308\u0327\u0323\u20e3\u3099\u1100\u1161\u11a8가각"
    "٠١٢٣٩०१९\u212a\u2126\u017f\u0130\ufe0f\u200b\ufeff\u00adé"
    "豈更車滑串句龜\U0001d7d8\U0001f600ŉǄǅĳ…‥︰﹐"
    "微信扣支付宝删帖电话Aae1 \n"
)


def _reference_nfkc(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC character by character, as `_nfkc` did before its fast path."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text, list(range(len(text))), list(range(1, len(text) + 1))
    parts = [unicodedata.normalize("NFKC", ch) for ch in text]
    starts = [i for i, f in enumerate(parts) for _ in f]
    return "".join(parts), starts, [s + 1 for s in starts]


def _as_lists(norm: Normalized) -> tuple[str, list[int], list[int]]:
    return norm.text, list(norm.starts), list(norm.ends)


def test_a_character_nfkc_changes_is_never_in_a_normalised_text():
    """What the fast path rests on, checked for every code point: a character whose NFKC form
    differs is not NFKC-normalised alone or between letters, and no NFKC form is empty."""
    changed = 0
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code < 0xE000:
            continue  # surrogates are no characters
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch)
        assert folded, hex(code)
        if folded != ch:
            changed += 1
            assert not unicodedata.is_normalized("NFKC", ch), hex(code)
            assert not unicodedata.is_normalized("NFKC", f"a{ch}a"), hex(code)
    assert changed > 4000


def test_nfkc_on_the_corpora_and_variants():
    rng = random.Random(5)
    texts = CORPUS_TEXTS + [
        "".join(rng.choices(NFKC_ALPHABET, k=rng.randrange(1, 50))) for _ in range(2000)
    ]
    for text in texts:
        assert _as_lists(_nfkc(text)) == _reference_nfkc(text), text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=NFKC_ALPHABET, max_size=40))
def test_nfkc_on_generated_texts(text):
    assert _as_lists(_nfkc(text)) == _reference_nfkc(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_nfkc_on_any_text(text):
    assert _as_lists(_nfkc(text)) == _reference_nfkc(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＱＱ：１２３４５６", "QQ:123456"),  # known from the seed: the fast path
        ("微信㈠②", "微信(一)2"),  # not seen yet, one becomes three: the map is not the identity
        ("ｅ\u0301", "e\u0301"),  # a combining mark after a replaced letter: not composed
        ("가\u11a8", "가\u11a8"),  # jamo that would compose with the syllable stay apart
        ("删帖，微信", "删帖,微信"),
    ],
)
def test_nfkc_examples(text, expected):
    assert _as_lists(_nfkc(text)) == _reference_nfkc(text)
    assert _nfkc(text).text == expected


def test_nfkc_learns_and_then_takes_the_fast_path(monkeypatch, request):
    """A fresh table knows no character: the first text teaches it, the second goes fast."""
    table = _NfkcTable()  # not even the full-width forms
    monkeypatch.setattr(normalize, "_NFKC_TABLE", table)
    # The patterns are cached by the size of the one process-wide table's sets (they only grow);
    # a table swapped in here starts small again, so forget what earlier tests cached.
    for cached in (normalize._uneven_pattern, normalize._changed_pattern):
        cached.cache_clear()
        request.addfinalizer(cached.cache_clear)  # and forget this table's after the test
    text = "价格：１２０元，ⅳ号"
    assert _as_lists(_nfkc(text)) == _reference_nfkc(text)
    assert {"：", "１", "２", "０", "，", "ⅳ"} <= set(table.changed)
    assert "价" not in table.changed and "ⅳ" in table.uneven
    calls: list[str] = []
    monkeypatch.setattr(normalize, "_nfkc_by_character", lambda t: calls.append(t))
    assert _nfkc("价格：２０元，").text == "价格:20元,"
    assert calls == []


def test_space_chars_are_what_backslash_s_matches():
    spelt, category = re.compile(f"[{SPACE_CHARS}]"), re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert bool(spelt.fullmatch(ch)) == bool(category.fullmatch(ch)), hex(code)


# The patterns as they were, with `\s` in the separator class.
_OLD_S = r"[\s\-_.·•~*#—–－※★☆♡♥❤✦✧◆◇○●□■△▲▽▼◎⊙→←↑↓♪♫✿❀❁" + EMOJI_CHARS + "]{0,3}"
_AREA = r"(?:10|2\d|[3-9]\d\d)"
OLD = {
    "_MOBILE": re.compile(
        rf"(?<![\dA-Za-z])(?:\(?(?:\+|00)?86\)?{_OLD_S})?1{_OLD_S}[3-9](?:{_OLD_S}\d){{9}}(?!\d)"
    ),
    "_LANDLINE": re.compile(
        rf"(?<![\dA-Za-z+])(?:\(0[1-9]\d{{1,2}}\)|0[1-9]\d{{1,2}})(?:{_OLD_S}\d){{7,8}}(?!\d)"
        rf"|(?<![\dA-Za-z+])[48]00(?:{_OLD_S}\d){{7}}(?!\d)"
    ),
    "_INTL_LANDLINE": re.compile(
        rf"(?<![\dA-Za-z])(?:\+|00)86\s*(?:\(\s*{_AREA}\s*\)|{_AREA}(?=[\s\-]))"
        rf"(?:{_OLD_S}\d){{7,8}}(?!\d)"
    ),
    "_CARD_RUN": re.compile(r"(?<!\d)\d(?:[ \-]?\d)+(?!\d)"),
    "_SAME_AS_PHONE": re.compile(
        r"(微信|支付宝)(?:号)?(?:和|与|跟)?(?:手机|电话)?同号|同(微信|支付宝)"
    ),
    "_WXID_GATE": re.compile("wxid_", re.IGNORECASE),
}
_OLD_NOISE = r"[\s./\\|_*^~+=·•'`-]"
_HAN, _NUMERAL = normalize._HAN, normalize._NUMERAL
OLD_NORMALIZE = {
    "_WORD_NOISE": re.compile(
        rf"{_OLD_NOISE}(?<=[{_HAN}]{_OLD_NOISE})(?<!{_NUMERAL}{_OLD_NOISE})"
        rf"{_OLD_NOISE}{{0,2}}(?!{_NUMERAL})(?=[{_HAN}])"
    ),
}
_OLD_URL_GATE = re.compile(r"://|www\.", re.IGNORECASE)
PHONE_ALPHABET = (
    "0123456789０１８６+()（）-. ·★\u3000\u2003\t\n:：aZx@/微信手机电话同号支付宝和与QqWwxidİı_"
)


def _texts() -> list[str]:
    rng = random.Random(11)
    texts = CORPUS_TEXTS + [normalize.normalize(t).text for t in CORPUS_TEXTS]
    texts += ["".join(rng.choices(PHONE_ALPHABET, k=rng.randrange(1, 40))) for _ in range(3000)]
    texts.append("\n".join(CORPUS_TEXTS))
    return texts


TEXTS = _texts()


def _same_matches(old: re.Pattern[str], new: re.Pattern[str], text: str) -> None:
    assert [(m.span(), m.group()) for m in new.finditer(text)] == [
        (m.span(), m.group()) for m in old.finditer(text)
    ], text


@pytest.mark.parametrize("name", sorted(OLD))
def test_rewritten_identifier_patterns_match_as_before(name):
    for text in TEXTS:
        _same_matches(OLD[name], getattr(identifiers, name), text)


@pytest.mark.parametrize("name", sorted(OLD_NORMALIZE))
def test_rewritten_normalize_patterns_match_as_before(name):
    for text in TEXTS:
        _same_matches(OLD_NORMALIZE[name], getattr(normalize, name), text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=PHONE_ALPHABET, max_size=40))
def test_rewritten_patterns_on_generated_texts(text):
    for name, old in OLD.items():
        _same_matches(old, getattr(identifiers, name), text)
    for name, old in OLD_NORMALIZE.items():
        _same_matches(old, getattr(normalize, name), text)
    assert bool(identifiers._URL_GATE.search(text)) == bool(_OLD_URL_GATE.search(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789+86()-. 微信支付宝:", max_size=30), st.integers(0, 30))
def test_mobile_matched_at_a_position_as_before(text, pos):
    """`_alipay` matches the mobile pattern right after a lead, not from the text's start."""
    new, old = identifiers._MOBILE.match(text, pos), OLD["_MOBILE"].match(text, pos)
    assert (new and new.span()) == (old and old.span())


def test_url_gate_finds_what_it_found():
    for text in [*TEXTS, "WwW.x", "http:/", "ftp://a", "ww.w", "wWw。", "a://"]:
        assert bool(identifiers._URL_GATE.search(text)) == bool(_OLD_URL_GATE.search(text)), text


def test_case_blind_letters_of_the_gates_have_no_other_forms():
    """The URL and wxid gates spell w (and the QQ gate q) in two cases: nothing else folds to
    them (i does, to İ and ı, so "xid_" keeps ignoring case)."""
    for letter in "wq":
        blind = re.compile(letter, re.IGNORECASE)
        forms = {chr(c) for c in range(sys.maxunicode + 1) if blind.fullmatch(chr(c))}
        assert forms == {letter, letter.upper()}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789٣०a 一", max_size=40))
def test_digit_gate_counts_to_sixteen(text):
    count = len(re.findall(r"\d", text))
    assert bool(identifiers._SIXTEEN_DIGITS.match(text)) == (count >= 16)
