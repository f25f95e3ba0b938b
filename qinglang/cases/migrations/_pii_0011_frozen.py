# Frozen copy of qinglang/analysis/pii.py for cases migration 0011: migrations never import
# live application code (tests/core/test_migrations.py). Never edit; change through a new one.
"""Personal-data detection and redaction for texts about to be published (pure Python, no Django).

Finds phones, identity numbers (check digit verified), e-mail addresses, QQ and WeChat ids,
bank-card numbers (Luhn), names of natural persons (surname list plus context cues) and any
details the caller already knows (the reporter's name, phone, e-mail). Public texts are
redacted from these findings; nothing here decides what a reviewer may keep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PHONE = "phone"
IDENTITY = "identity_number"
EMAIL = "email"
QQ = "qq"
WECHAT = "wechat"
BANK_CARD = "bank_card"
NAME = "person_name"
KNOWN = "known_detail"

# Findings a reviewer may keep (heuristics that also hit company or place names); every other
# kind is always redacted.
ADJUSTABLE_KINDS = frozenset({NAME})

MASKS = {
    PHONE: "〔电话已隐去〕",
    IDENTITY: "〔身份证号已隐去〕",
    EMAIL: "〔邮箱已隐去〕",
    QQ: "〔QQ号已隐去〕",
    WECHAT: "〔微信号已隐去〕",
    BANK_CARD: "〔银行卡号已隐去〕",
    NAME: "某",
    KNOWN: "〔个人信息已隐去〕",
}

# The most common Chinese surnames (single and compound); enough for the name heuristic.
SINGLE_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱"
    "严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁"
    "尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时"
    "穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾"
    "隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "令狐"}
)
# Words before a name ("reporter Chen Hong") and titles after one ("Mr Chen").
_NAME_BEFORE = (
    "举报人|投诉人|当事人|受害人|联系人|经办人|负责人|记者|编辑|姓名|名叫|叫做|实名|本人|员工|客户|"
    "法定代表人|小编|中介人"
)
_NAME_AFTER = "先生|女士|小姐|同志|老师|经理|总监|律师|记者"
_CJK = "\u4e00-\u9fff"
# Characters that end a given name rather than belong to it (verbs and particles after a name).
_NOT_GIVEN = set("某等称说在向与和及的了是被将把对从给要已于曾均也都并还就又联电反表手微")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_DIGIT_RUN = r"(?<![0-9A-Za-z])(?:\d[ -]?){%d,%d}\d(?![0-9A-Za-z])"


@dataclass(frozen=True)
class Finding:
    """One span of personal data: where it is, what kind, and the text found."""

    start: int
    end: int
    kind: str
    text: str

    @property
    def adjustable(self) -> bool:
        return self.kind in ADJUSTABLE_KINDS


def identity_number_valid(value: str) -> bool:
    """Return whether an 18-character resident identity number has a correct check digit."""
    value = value.upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def luhn_valid(digits: str) -> bool:
    """Return whether a digit string passes the Luhn check (bank cards)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _find_identity(text: str) -> Iterable[Finding]:
    for m in re.finditer(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])", text):
        if identity_number_valid(m.group()):
            yield Finding(m.start(), m.end(), IDENTITY, m.group())


def _find_bank_cards(text: str) -> Iterable[Finding]:
    for m in re.finditer(_DIGIT_RUN % (15, 18), text):
        digits = _digits(m.group())
        if 16 <= len(digits) <= 19 and luhn_valid(digits):
            yield Finding(m.start(), m.end(), BANK_CARD, m.group())


def _find_phones(text: str) -> Iterable[Finding]:
    # Mainland mobiles, optionally +86 and split by spaces or hyphens (3-4-4).
    mobile = r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])"
    for m in re.finditer(mobile, text):
        yield Finding(m.start(), m.end(), PHONE, m.group())
    landline = r"(?<![0-9])0\d{2,3}[ -]?\d{7,8}(?![0-9])"
    for m in re.finditer(landline, text):
        yield Finding(m.start(), m.end(), PHONE, m.group())


def _find_emails(text: str) -> Iterable[Finding]:
    for m in re.finditer(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", text):
        yield Finding(m.start(), m.end(), EMAIL, m.group())


def _find_qq(text: str) -> Iterable[Finding]:
    cue = r"(?:QQ|qq|Qq|扣扣|企鹅号?|球球)(?:号码?|号)?[\s:：是为]*"
    for m in re.finditer(cue + r"((?:\d[ -]?){4,10}\d)(?!\d)", text):
        yield Finding(m.start(1), m.end(1), QQ, m.group(1))


def _find_wechat(text: str) -> Iterable[Finding]:
    cue = r"(?:微信|威信|薇信|V信|v信|VX|vx|Vx|WX|wx|wechat|WeChat|薇)(?:号|ID|id)?[\s:：是为]*"
    for m in re.finditer(cue + r"([A-Za-z][A-Za-z0-9_-]{5,19}|1[3-9]\d{9})(?![A-Za-z0-9_-])", text):
        yield Finding(m.start(1), m.end(1), WECHAT, m.group(1))


def _given_name_end(text: str, start: int) -> int:
    """Return the end of a 1–2 character given name starting at `start` (start if none)."""
    end = start
    while end < len(text) and end - start < 2 and re.match(f"[{_CJK}]", text[end]):
        if text[end] in _NOT_GIVEN:
            break
        end += 1
    return end


def _surname_at(text: str, i: int) -> int:
    """Return the length of a surname starting at `i` (0 if none)."""
    if text[i : i + 2] in COMPOUND_SURNAMES:
        return 2
    return 1 if text[i] in SINGLE_SURNAMES else 0


def _find_names(text: str) -> Iterable[Finding]:
    # A cue word, then surname + given name: 举报人陈红, 记者王小明.
    for m in re.finditer(f"(?:{_NAME_BEFORE})[\\s:：为是]*(?=[{_CJK}])", text):
        i = m.end()
        size = _surname_at(text, i)
        if not size:
            continue
        end = _given_name_end(text, i + size)
        if end > i + size:
            yield Finding(i, end, NAME, text[i:end])
    # Surname + given name, then a title: 陈红女士. Surname + title alone (陈女士) names nobody.
    for m in re.finditer(f"([{_CJK}]{{2,4}})(?={_NAME_AFTER})", text):
        chunk, base = m.group(1), m.start(1)
        for offset in range(len(chunk) - 1):
            size = _surname_at(chunk, offset)
            if size and 1 <= len(chunk) - offset - size <= 2:
                given = chunk[offset + size :]
                if not any(ch in _NOT_GIVEN for ch in given):
                    yield Finding(base + offset, m.end(1), NAME, chunk[offset:])
                break


def _find_known(text: str, known: Iterable[str]) -> Iterable[Finding]:
    for value in known:
        value = (value or "").strip()
        if len(value) < 2:
            continue
        for m in re.finditer(re.escape(value), text):
            yield Finding(m.start(), m.end(), KNOWN, m.group())
        digits = _digits(value)
        if len(digits) >= 6:
            # The same number written with spaces or hyphens between its digits.
            spaced = r"[ -]?".join(digits)
            for m in re.finditer(f"(?<!\\d){spaced}(?!\\d)", text):
                yield Finding(m.start(), m.end(), KNOWN, m.group())


# Which finding wins where two overlap: the surer and more sensitive kind first.
_PRIORITY = {KNOWN: 0, IDENTITY: 1, BANK_CARD: 2, EMAIL: 3, PHONE: 4, QQ: 5, WECHAT: 6, NAME: 7}


def detect(text: str, *, known: Iterable[str] = ()) -> list[Finding]:
    """Return the non-overlapping personal-data findings in `text`, in order of position."""
    found = [
        *_find_known(text, known),
        *_find_identity(text),
        *_find_bank_cards(text),
        *_find_emails(text),
        *_find_phones(text),
        *_find_qq(text),
        *_find_wechat(text),
        *_find_names(text),
    ]
    found.sort(key=lambda f: (_PRIORITY[f.kind], f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for f in found:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Return `text` with each finding replaced by its mask (a name keeps its surname)."""
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos:
            continue
        out.append(text[pos : f.start])
        if f.kind == NAME:
            size = 2 if f.text[:2] in COMPOUND_SURNAMES else 1
            out.append(f.text[:size] + MASKS[NAME])
        else:
            out.append(MASKS[f.kind])
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def redact_all(text: str, *, known: Iterable[str] = ()) -> str:
    """Return `text` with every finding redacted (for texts nobody reviews, e.g. statements)."""
    return redact(text, detect(text, known=known))


def segments(text: str, findings: Iterable[Finding]) -> list[tuple[str, Finding | None]]:
    """Split `text` into plain pieces and findings, for a highlighted review screen."""
    out: list[tuple[str, Finding | None]] = []
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start > pos:
            out.append((text[pos : f.start], None))
        out.append((text[f.start : f.end], f))
        pos = f.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def redact_for_outsiders(
    text: str, *, known: Iterable[str] = (), keep: Iterable[int] = ()
) -> tuple[str, dict[str, int]]:
    """Return `text` redacted for readers outside the regulator, with the count per kind.

    `keep` lists the start positions of adjustable findings (names) a reviewer chose to keep.
    """
    kept = set(keep)
    applied = [f for f in detect(text, known=known) if not (f.adjustable and f.start in kept)]
    counts: dict[str, int] = {}
    for f in applied:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    return redact(text, applied), counts
