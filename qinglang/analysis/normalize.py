"""Undo the obfuscation brokers use, keeping a map from every output character to the original.

Steps: NFKC (full-width → half-width), traditional → simplified, zero-width and decorative
symbols (emoji, ※★) removed between word characters, pinyin annotations inside words folded away
(`危(wēi)機(jī)` → `危机`), noise characters put between two Chinese characters (`删.帖`, `删/帖`,
`删 帖`) removed, Chinese numerals turned into digits where
they form contact-like runs, and obfuscated markers rewritten to one canonical word ("微信",
"QQ", "支付宝", "删帖"). Spaces, dots and dashes between digits are kept here (they carry meaning
in prices, dates and URLs); the identifier patterns tolerate them through `SEP`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, overload

if TYPE_CHECKING:
    from opencc_purepy import OpenCC

# What `\s` matches in a str pattern (the characters `str.isspace` takes), as a class body
# spelt out: sre checks a class of plain characters with one table lookup, and one holding
# `\s` against each of its parts in turn (the separator class is checked between every two
# digits of every phone, QQ and card candidate).
SPACE_CHARS = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Characters brokers put between digits: spaces, dots, dashes, bullets, decorative symbols.
SEP_CHARS = SPACE_CHARS + r"\-_.·•~*#—–－※★☆♡♥❤✦✧◆◇○●□■△▲▽▼◎⊙→←↑↓♪♫✿❀❁"
# Emoji blocks, dingbats, variation selectors and joiners (as a regex class body).
EMOJI_CHARS = "\u2600-\u27bf\u2b00-\u2bff\ufe0e\ufe0f\u20e3\u200b-\u200f\u2060\U0001f000-\U0001faff"
SEP = f"[{SEP_CHARS}{EMOJI_CHARS}]"

NUMERAL_DIGITS: dict[str, str] = {
    "零": "0",
    "〇": "0",
    "洞": "0",
    "一": "1",
    "壹": "1",
    "幺": "1",
    "么": "1",
    "二": "2",
    "贰": "2",
    "两": "2",
    "三": "3",
    "叁": "3",
    "四": "4",
    "肆": "4",
    "五": "5",
    "伍": "5",
    "六": "6",
    "陆": "6",
    "七": "7",
    "柒": "7",
    "拐": "7",
    "八": "8",
    "捌": "8",
    "九": "9",
    "玖": "9",
    "勾": "9",
}

# Obfuscated contact markers → canonical word (applied to simplified, NFKC text).
_WECHAT_MARKER = re.compile(
    r"(?:[微威薇徽维胃]\s*[信芯]|卫\s*信|微\s*❤|微\s*心|"
    r"(?<![A-Za-z0-9_./@-])(?:wei\s*xin|weixin|vx|wx|v\s*[信芯]|wechat)(?![A-Za-z_./@-])|"
    # A bare "薇", "加微" or "V" only counts when an ID-like token follows it.
    r"(?:薇|(?<=加)\s*微|(?<![A-Za-z])[Vv](?![A-Za-z]))"
    r"(?=[\s:：(（]*[A-Za-z0-9][-_A-Za-z0-9]{4,}))",
    re.IGNORECASE,
)
_QQ_MARKER = re.compile(
    r"(?:扣\s*扣|抠\s*抠|蔻\s*蔻|寇\s*寇|口\s*口|球\s*球|企\s*鹅|"
    r"(?<![A-Za-z0-9_./@-])q\s*q(?![A-Za-z_./@-])|"
    # A bare "Q" or "扣" only counts right before a QQ-like number.
    r"(?<![A-Za-z0-9_./@-])q(?![A-Za-z])(?=\s*号?\s*[:：]?\s*[1-9](?:[\s.\-·]{0,3}\d){4})|"
    r"扣(?=\s*号?\s*[:：]\s*[1-9]\d{4}))",
    re.IGNORECASE,
)
_ALIPAY_MARKER = re.compile(
    r"(?:支\s*付\s*宝|吱\s*付\s*宝|支\s*负\s*宝|(?<![A-Za-z])(?:alipay|zfb)(?![A-Za-z]))",
    re.IGNORECASE,
)
# Homophones and spellings of 删帖 (delete a post).
_DELETION_MARKER = re.compile(
    r"(?:(?:删|珊|姗|杉)\s*(?:帖|贴|铁|tie(?![A-Za-z0-9_]))|"
    r"(?<![A-Za-z0-9_])shan\s*(?:帖|贴|tie(?![A-Za-z0-9_])))",
    re.IGNORECASE,
)
# Wordings that mean the same service without the word 删帖 (left as they are, found by
# `deletion_terms`).
DELETION_TERMS: tuple[str, ...] = (
    "删帖",
    "删稿",
    "撤稿",
    "撤帖",
    "撤文",
    "删文",
    "删除帖子",
    "删除文章",
    "删除负面",
    "沉帖",
    "沉底",
    "屏蔽",
    "负面压制",
    "压制负面",
    "舆情处理",
    "舆情优化",
    "危机公关",
    "先删后付",
    "先撤后付",
    "删除链接",
    "下沉",
    "断开链接",
    "百度快照删除",
    "撤销报道",
)
_DELETION_TERMS = re.compile(
    "|".join(sorted(map(re.escape, DELETION_TERMS), key=len, reverse=True))
)

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_NUMERAL = "[" + "".join(NUMERAL_DIGITS) + "]"
# Punctuation-like noise between two Chinese characters ("删.帖", "删/帖", "删 帖", "删_帖"); not
# next to Chinese numerals, whose separators the contact patterns read.
_NOISE_CLASS = rf"[{SPACE_CHARS}./\\|_*^~+=·•'`-]"
# (The first noise character comes before the lookbehinds, which then look two characters back:
# a pattern that begins with a character class is only tried where such a character is.)
_WORD_NOISE = re.compile(
    rf"{_NOISE_CLASS}(?<=[{_HAN}]{_NOISE_CLASS})(?<!{_NUMERAL}{_NOISE_CLASS})"
    rf"{_NOISE_CLASS}{{0,2}}(?!{_NUMERAL})(?=[{_HAN}])"
)
# A run of at least five numerals/digits (separators allowed) with two or more Chinese numerals.
# (One class for "numeral or digit", not an alternation: the engine skips other characters fast.)
_NUMERAL_OR_DIGIT = "[" + "".join(NUMERAL_DIGITS) + r"\d]"
_NUMERAL_RUN = re.compile(rf"{_NUMERAL_OR_DIGIT}(?:{SEP}{{0,3}}{_NUMERAL_OR_DIGIT}){{4,}}")
# `_numerals` changes a run only if it holds two Chinese numerals: a text with fewer keeps as is
# (most texts: their digit runs are phone numbers, prices and dates, each run a callback).
_NUMERAL_CHAR = re.compile(_NUMERAL)
_NUMERAL_TABLE = str.maketrans(NUMERAL_DIGITS)
_SYMBOL_CLASS = f"[{EMOJI_CHARS}※★☆♡♥❤✦✧◆◇●■▲▼◎⊙♪♫✿❀❁]"
_SYMBOL_NOISE = re.compile(rf"(?<=\w){_SYMBOL_CLASS}{{1,4}}(?=\w)")
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# One pinyin syllable (tone marks or a tone digit allowed), in brackets right after a Chinese
# character: a reading aid brokers add to split a word without changing how it reads.
_PINYIN = re.compile(
    rf"(?<=[{_HAN}])\s?[(\[](?:[bpmfdtnlgkhjqxrzcsyw]|[zcs]h)?[aeiouv{_TONED}][a-z{_TONED}]{{0,4}}"
    r"[1-5]?[)\]]"
)


@dataclass(frozen=True, slots=True)
class Gate:
    """Where a pattern's matches can begin: at a character of `chars` (a plain character class,
    which the regex engine scans for quickly), shifted by one of `offsets`.

    `finditer` yields exactly what `pattern.finditer(text)` yields, trying the pattern only at
    those positions (a lookbehind still sees the text before them). It is sound only if every
    match of the pattern begins at such a position: each gate states why next to its pattern.

    `needs`, when given, is found in every match: a text without it has none (one scan, where
    `chars` alone hits often, at every "a" or "s").
    """

    chars: re.Pattern[str]
    offsets: tuple[int, ...] = (0,)
    needs: re.Pattern[str] | None = None

    def finditer(self, pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
        match_at = pattern.match
        pos = 0  # where the last match ended: finditer goes on from there
        tried = -1
        for hit in self.chars.finditer(text):
            for offset in self.offsets:
                at = hit.start() + offset
                if at < pos or at <= tried or at > len(text):
                    continue
                tried = at
                match = match_at(text, at)
                if match is not None and match.end() > at:
                    yield match
                    pos = match.end()


class _EditedMap(Sequence[int]):
    """One side (starts or ends) of the offset map after substitutions, looked up lazily.

    The text is cut into segments: in one, character `i` maps as character `i + delta` of the
    map before any substitution (`base`); in another (what a replacement put in), every
    character maps to the one span it replaced. Looking a character up is one binary search;
    each substitution rewrites the segment list, never a list as long as the text. (Building
    the whole map cost two text-long tuples per substitution: most of the normalisation time
    of a 1 MB page, when only the positions identifiers begin and end at are ever asked for.)
    """

    __slots__ = ("_base", "_length", "_pos", "_side", "_vals")

    def __init__(
        self,
        base: Sequence[int],
        pos: list[int],
        vals: list[int | tuple[int, int]],
        side: int,
        length: int,
    ) -> None:
        self._base = base
        self._pos = pos  # where each segment begins, ascending, the first at 0
        self._vals = vals  # its delta into `base`, or the (start, end) span it stands for
        self._side = side  # 0: starts, 1: ends
        self._length = length

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        value = self._vals[bisect_right(self._pos, index) - 1]
        if type(value) is int:
            return self._base[index + value]
        return value[self._side]  # type: ignore[index]


def _edited(
    starts: Sequence[int],
    ends: Sequence[int],
    edits: list[tuple[int, int, int, tuple[int, int]]],
    old_length: int,
    new_length: int,
) -> tuple[_EditedMap, _EditedMap]:
    """Return the map after replacing old [a, b) by `n` characters standing for `span`, for
    each (a, b, n, span) of `edits` (in text order, each changing the length)."""
    if type(starts) is _EditedMap and type(ends) is _EditedMap:
        base_starts, base_ends = starts._base, ends._base
        pos, vals = starts._pos, starts._vals
    else:
        base_starts, base_ends = starts, ends
        pos, vals = [0], [0]
    new_pos: list[int] = []
    new_vals: list[int | tuple[int, int]] = []

    def copy(x: int, y: int, shift: int) -> None:
        """Copy the segments of old [x, y), moved by `shift`."""
        if x >= y:
            return
        j = bisect_right(pos, x) - 1
        at = x
        while True:
            value = vals[j]
            new_pos.append(at + shift)
            new_vals.append(value - shift if type(value) is int else value)  # type: ignore[operator]
            j += 1
            if j >= len(pos) or pos[j] >= y:
                return
            at = pos[j]

    shift = 0  # new position minus old position
    last = 0
    for a, b, n, span in edits:
        copy(last, a, shift)
        if n:
            new_pos.append(a + shift)
            new_vals.append(span)
        shift += n - (b - a)
        last = b
    copy(last, old_length, shift)
    return (
        _EditedMap(base_starts, new_pos, new_vals, 0, new_length),
        _EditedMap(base_ends, new_pos, new_vals, 1, new_length),
    )


class Normalized(NamedTuple):
    """Normalised text with, for each character, the [start, end) span it came from.

    (A named tuple: immutable, and built several times per text, five times faster than a
    frozen dataclass.)
    """

    text: str
    starts: Sequence[int]  # a range while the map is the identity
    ends: Sequence[int]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back to the original text."""
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def sub(
        self,
        pattern: re.Pattern[str],
        repl: Callable[[re.Match[str]], str],
        gate: Gate | None = None,
    ) -> Normalized:
        """Replace matches of `pattern`, mapping new characters to the span they replace."""
        text = self.text
        if gate is None:
            first = pattern.search(text)
            if first is None:
                return self
            found = pattern.finditer(text, first.start())  # nothing begins before the first
        else:
            if (gate.needs is not None and gate.needs.search(text) is None) or (
                gate.chars.search(text) is None
            ):
                return self
            found = gate.finditer(pattern, text)
        # A replacement by the same characters (a marker already canonical, "微信" for "微信")
        # changes nothing: skipped, so most texts keep their map and text objects as they are.
        matches = [(m.start(), m.end(), new) for m in found if (new := repl(m)) != m.group()]
        if not matches:
            return self
        parts: list[str] = []
        last = 0
        edits: list[tuple[int, int, int, tuple[int, int]]] = []  # those changing the length
        for a, b, new in matches:
            parts += [text[last:a], new]
            last = b
            if len(new) != b - a:
                edits.append((a, b, len(new), self.span(a, b)))
        parts.append(text[last:])
        if not edits:
            # Character for character (numerals → digits, 扣扣 → QQ): the map stays as it is.
            return Normalized("".join(parts), self.starts, self.ends, self.original)
        new_text = "".join(parts)
        starts, ends = _edited(self.starts, self.ends, edits, len(text), len(new_text))
        return Normalized(new_text, starts, ends, self.original)


@functools.cache
def _t2s() -> OpenCC:
    from opencc_purepy import OpenCC  # its dictionaries load only for traditional text

    return OpenCC("t2s")


# Every character that OpenCC's t2s dictionaries (TSPhrases, TSCharacters) can change: a text
# without any of them converts to itself, so OpenCC is not even loaded for it. Generated from the
# installed dictionaries (tests/analysis/test_normalize.py checks it still matches them).
T2S_CHARS_PATH = Path(__file__).with_name("t2s_chars.txt")


@functools.cache
def _t2s_chars() -> tuple[re.Pattern[str], re.Pattern[str]]:
    chars = T2S_CHARS_PATH.read_text(encoding="utf-8").strip()
    # Two classes: sre scans a class of BMP characters as a fast bitmap, not a mixed one.
    bmp = "".join(re.escape(ch) for ch in chars if ord(ch) <= 0xFFFF)
    astral = "".join(re.escape(ch) for ch in chars if ord(ch) > 0xFFFF) or "\\x00"
    return re.compile(f"[{bmp}]"), re.compile(f"[{astral}]")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _next_changeable(text: str, pos: int, astral: bool) -> int:
    """Return the position of the next character t2s may change, or -1."""
    bmp_chars, astral_chars = _t2s_chars()
    found = bmp_chars.search(text, pos)
    at = found.start() if found else -1
    if astral:
        other = astral_chars.search(text, pos, at if at >= 0 else len(text))
        if other is not None:
            at = other.start()
    return at


def t2s_changeable_chars() -> set[str]:
    """Return the characters the installed t2s dictionaries change (to regenerate the file)."""
    dictionary = _t2s().dictionary
    chars: set[str] = set()
    for table in (dictionary.ts_phrases[0], dictionary.ts_characters[0]):
        for key, value in table.items():
            if len(key) != len(value):
                chars.update(key)
            else:
                chars.update(a for a, b in zip(key, value, strict=True) if a != b)
    return chars


class _NfkcTable(dict[int, str]):
    """A str.translate table filled on first sight of each character with its NFKC form."""

    def __init__(self, seed: Iterable[int] = ()) -> None:
        super().__init__()
        self.uneven: set[str] = set()  # characters whose NFKC form is not one character
        self.changed: dict[str, str] = {}  # characters seen whose NFKC form is another text
        for code in seed:
            self.__missing__(code)

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) != 1:
            self.uneven.add(ch)
        if folded != ch:
            self.changed[ch] = folded
        self[code] = folded
        return folded


# Seeded with the ideographic space and the full-width ASCII forms, which nearly every Chinese
# text holds (the table learns every other character on first sight).
_NFKC_TABLE = _NfkcTable((0x3000, *range(0xFF01, 0xFF5F)))


@functools.lru_cache(maxsize=8)
def _uneven_pattern(count: int) -> re.Pattern[str]:
    # Keyed by the size of the set, which only grows: a new character means a new pattern.
    return re.compile("[" + "".join(map(re.escape, sorted(_NFKC_TABLE.uneven))) + "]")


@functools.lru_cache(maxsize=8)
def _changed_pattern(count: int) -> re.Pattern[str]:
    # Keyed like `_uneven_pattern`; one capturing class, so `split` puts each changed
    # character at an odd index (none known yet: a pattern that never matches).
    changed = "".join(map(re.escape, sorted(_NFKC_TABLE.changed)))
    return re.compile(f"([{changed}])" if changed else "(?!)")


def _identity(text: str, original: str) -> Normalized:
    return Normalized(text, range(len(original)), range(1, len(original) + 1), original)


def _nfkc(text: str) -> Normalized:
    """NFKC character by character (so every output character maps to the one it came from).

    The fast path replaces only the characters already known to change (C-level split, map and
    join, not a table lookup per character) and checks the result with
    `unicodedata.is_normalized`. That is exact: a character whose NFKC form differs from it
    never occurs in an NFKC-normalised text, so a normalised result proves every character
    left as it was is its own NFKC form (and then the text was not normalised before unless
    nothing was replaced, when both paths return it unchanged). Otherwise (a character not seen
    yet, a combining mark composing with its neighbour) `_nfkc_by_character` decides.
    """
    if text.isascii():
        return _identity(text, text)
    changed = _NFKC_TABLE.changed
    parts = _changed_pattern(len(changed)).split(text)
    if len(parts) == 1 and unicodedata.is_normalized("NFKC", text):
        return _identity(text, text)
    if len(parts) == 1:
        return _nfkc_by_character(text)
    parts[1::2] = map(changed.__getitem__, parts[1::2])
    folded = "".join(parts)
    if not unicodedata.is_normalized("NFKC", folded):
        return _nfkc_by_character(text)
    if len(folded) == len(text):
        # No NFKC form is empty: the same length means one character for one.
        return _identity(folded, text)
    return _nfkc_by_character(text)


def _nfkc_by_character(text: str) -> Normalized:
    """NFKC through the table, one character at a time (learning characters not seen yet), for
    a text that is not NFKC-normalised."""
    folded = text.translate(_NFKC_TABLE)
    uneven = _NFKC_TABLE.uneven
    if not uneven or _uneven_pattern(len(uneven)).search(text) is None:
        # The common case: one character for one, so the map is the identity.
        return _identity(folded, text)
    parts = [_NFKC_TABLE[ord(ch)] for ch in text]
    starts = [i for i, f in enumerate(parts) for _ in f]
    return Normalized("".join(parts), tuple(starts), tuple(s + 1 for s in starts), text)


def _convert_line(line: str) -> str:
    converted = _t2s().convert(line)
    if len(converted) != len(line):
        # Phrase conversion changed the length: fall back to character by character.
        converted = "".join(c if len(c := _t2s().convert(ch)) == 1 else ch for ch in line)
    return converted


def _simplify(norm: Normalized) -> Normalized:
    # Only lines holding a character t2s can change go through OpenCC (which never matches a
    # phrase across a line break), one line at a time (OpenCC would fork worker processes for a
    # long text).
    text = norm.text
    if text.isascii():
        return norm
    astral = _ASTRAL.search(text) is not None
    at = _next_changeable(text, 0, astral)
    if at < 0:
        return norm
    parts: list[str] = []
    last = 0
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        parts += [text[last:start], _convert_line(text[start:end])]
        last = end
        at = _next_changeable(text, end, astral)
    parts.append(text[last:])
    return Normalized("".join(parts), norm.starts, norm.ends, norm.original)


def _numerals(match: re.Match[str]) -> str:
    run = match.group(0)
    first = _NUMERAL_CHAR.search(run)
    if first is None or _NUMERAL_CHAR.search(run, first.end()) is None:
        return run  # fewer than two Chinese numerals
    return run.translate(_NUMERAL_TABLE)


def fold(text: str) -> Normalized:
    """Return `text` in NFKC, simplified, without zero-width or decorative noise in words."""
    norm = _nfkc(text or "")
    if norm.text.isascii():
        return norm  # every step below needs a character outside ASCII (a Chinese one, a symbol)
    norm = norm.sub(_ZERO_WIDTH, lambda m: "")
    norm = _simplify(norm)
    if "(" in norm.text or "[" in norm.text:
        norm = norm.sub(_PINYIN, lambda m: "", _PINYIN_STARTS)
    norm = norm.sub(_WORD_NOISE, lambda m: "")  # (a gate on its characters hits too often)
    return norm.sub(_SYMBOL_NOISE, lambda m: "", _SYMBOL_NOISE_STARTS)


# Where matches begin (see Gate), read off each pattern's alternatives; the case-insensitive
# patterns list both cases, and "ſ", which re.IGNORECASE takes for "s".
# 微威薇徽维胃卫… and w/v words; "(?<=加)\s*微" begins right after 加.
_WECHAT_STARTS = Gate(re.compile("[微威薇徽维胃卫薇wWvV加]"), (0, 1))
# 扣抠蔻寇口球企 doubled, 企鹅, q q, a bare q, 扣 before a number.
_QQ_STARTS = Gate(re.compile("[扣抠蔻寇口球企qQ]"))
# 支付宝 吱付宝 支负宝 alipay zfb: every one holds 宝, a "y" or a "b" (a plain class, scanned
# fast: "alipay" and "zfb" spelt in any case, which for y and b adds no other character).
_ALIPAY_STARTS = Gate(re.compile("[支吱aAzZ]"), needs=re.compile("[宝yYbB]"))
# 删珊姗杉 + 帖…, shan + 帖…: every one ends in 帖, 贴, 铁 or tie (t or T).
_DELETION_STARTS = Gate(re.compile("[删珊姗杉sSſ]"), needs=re.compile("[帖贴铁tT]"))
# "\s?" then a bracket: at the bracket or the one character before it.
_PINYIN_STARTS = Gate(re.compile(r"[(\[]"), (-1, 0))
# The noise characters themselves (the Chinese characters around them are lookarounds).
_SYMBOL_NOISE_STARTS = Gate(re.compile(_SYMBOL_CLASS))


def normalize(text: str | Normalized) -> Normalized:
    """Return the de-obfuscated text of `text` (or of its fold) with its offset map."""
    norm = text if isinstance(text, Normalized) else fold(text)
    first = _NUMERAL_CHAR.search(norm.text)
    if first is not None and _NUMERAL_CHAR.search(norm.text, first.end()) is not None:
        norm = norm.sub(_NUMERAL_RUN, _numerals)
    norm = norm.sub(_DELETION_MARKER, lambda m: "删帖", _DELETION_STARTS)
    norm = norm.sub(_ALIPAY_MARKER, lambda m: "支付宝", _ALIPAY_STARTS)
    norm = norm.sub(_QQ_MARKER, lambda m: "QQ", _QQ_STARTS)
    return norm.sub(_WECHAT_MARKER, lambda m: "微信", _WECHAT_STARTS)


def normalize_text(text: str) -> str:
    """Return only the normalised text (for classification, search and similarity)."""
    return normalize(text).text


def deletion_terms(text: str) -> list[str]:
    """Return the deletion-service wordings found in (already normalised) `text`."""
    return list(dict.fromkeys(_DELETION_TERMS.findall(text)))


_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")


def digits_of(text: str) -> str:
    """Return only the ASCII digits of `text`."""
    return _NOT_ASCII_DIGIT.sub("", text)
