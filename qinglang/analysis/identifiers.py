"""Extract contact and registration identifiers from Chinese text, through broker obfuscation.

Spans always point into the original text. Value conventions, per kind:

- `qq`: the digits. `phone`: E.164 (`+8613812345678`, landlines `+861062345678`, also from
  `+86(10)6234 5678`). `bank_card`: the digits.
- `wechat`: the ID lower-case, spaces that split it removed; a number given as the WeChat ID
  (labelled 微信/微信号, or "微信同号" after a phone or QQ number) as its digits, a mobile as
  its 11 digits.
- `email` lower-case; `url` as written, with a scheme; `domain` registrable, lower-case.
- `alipay` as written: a phone-shaped account as its 11 digits, an e-mail account lower-case.
- `uscc` upper-case.
- `icp` with the site suffix as written (`京ICP备12345678号-1`); `icp_main_number` gives the
  operator's filing (`京ICP备12345678号`), which correlation indexes (the registry's
  normalisation reduces every ICP value to it).

Precision comes first: bare numbers become QQ numbers only after a QQ marker, landlines only in
phone-like shape or context, bank cards only with a valid Luhn digit and card context, and
digits inside a URL or a path are never phones, QQ numbers or cards.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from qinglang.analysis.domains import registrable_domain
from qinglang.analysis.filings import iter_icp, parse_icp
from qinglang.analysis.normalize import SEP, Normalized, digits_of, fold, normalize
from qinglang.analysis.validators import (
    is_mainland_mobile,
    is_valid_bank_card,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_phone,
)

KINDS = ("qq", "wechat", "phone", "email", "url", "domain", "bank_card", "alipay", "uscc", "icp")
_KIND_ORDER = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier found in a text: its kind, canonical value and [start, end) span."""

    kind: str
    value: str
    start: int
    end: int

    def as_dict(self) -> dict[str, str | int]:
        return {"kind": self.kind, "value": self.value, "start": self.start, "end": self.end}


class _Spans:
    """[start, end) spans, sorted, with the running maximum of their ends: each question about
    them is a binary search, not a scan (a 1 MB page has thousands of URLs and numbers)."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        self.max_end = list(accumulate((b for _, b in ordered), max))

    def contain(self, start: int, end: int) -> bool:
        """Whether one span holds [start, end): any(a <= start and end <= b)."""
        i = bisect_right(self.starts, start)
        return i > 0 and self.max_end[i - 1] >= end

    def overlap(self, start: int, end: int) -> bool:
        """Whether one span overlaps [start, end): any(a < end and start < b)."""
        i = bisect_left(self.starts, end)
        return i > 0 and self.max_end[i - 1] > start

    def cover(self, pos: int) -> bool:
        """Whether one span covers `pos`: any(a <= pos < b)."""
        i = bisect_right(self.starts, pos)
        return i > 0 and self.max_end[i - 1] > pos


class _Numbers:
    """Numbers (value, start, end) found so far, for "同号": which one a phrase refers to."""

    def __init__(self, numbers: list[tuple[str, int, int]]) -> None:
        self.numbers = numbers
        self.by_end = sorted(range(len(numbers)), key=lambda i: (numbers[i][2], i))
        self.ends = [numbers[i][2] for i in self.by_end]
        self.by_start = sorted(range(len(numbers)), key=lambda i: (numbers[i][1], i))
        self.starts = [numbers[i][1] for i in self.by_start]

    def nearest_before(self, pos: int) -> tuple[str, int, int] | None:
        """The number ending closest before `pos` (the first listed of equals)."""
        i = bisect_right(self.ends, pos)
        if i == 0:
            return None
        first = bisect_left(self.ends, self.ends[i - 1])  # ties: the first in list order
        return self.numbers[self.by_end[first]]

    def nearest(self, pos: int) -> tuple[str, int, int] | None:
        """The number starting closest to `pos` (the first listed of equals)."""
        if not self.numbers:
            return None
        i = bisect_left(self.starts, pos)
        candidates = set()
        for j in (i - 1, i):
            if 0 <= j < len(self.starts):
                start = self.starts[j]
                lo, hi = bisect_left(self.starts, start), bisect_right(self.starts, start)
                candidates.update(self.by_start[lo:hi])
        best = min(candidates, key=lambda k: (abs(self.numbers[k][1] - pos), k))
        return self.numbers[best]


_S = f"{SEP}{{0,3}}"  # up to three separators between digits
# The phone patterns are alternations that each begin with one literal character, the
# lookbehind after it (looking two characters back): a pattern that begins with a lookbehind
# is tried at every position, one that begins with literals only where one of them is. Each
# spells out, first character by first character, the pattern it replaced (kept in
# tests/analysis/test_identifiers.py, which compares them):
#   (?<![\dA-Za-z])(?:\(?(?:\+|00)?86\)?S)?1S[3-9](?:S\d){9}(?!\d)
_NOT_AFTER_ALNUM = r"(?<![\dA-Za-z][\s\S])"
_MOBILE_REST = rf"1{_S}[3-9](?:{_S}\d){{9}}(?!\d)"
_MOBILE = re.compile(
    rf"\({_NOT_AFTER_ALNUM}(?:\+|00)?86\)?{_S}{_MOBILE_REST}"
    rf"|\+{_NOT_AFTER_ALNUM}86\)?{_S}{_MOBILE_REST}"
    rf"|0{_NOT_AFTER_ALNUM}086\)?{_S}{_MOBILE_REST}"
    rf"|8{_NOT_AFTER_ALNUM}6\)?{_S}{_MOBILE_REST}"
    rf"|1{_NOT_AFTER_ALNUM}{_S}[3-9](?:{_S}\d){{9}}(?!\d)"
)
#   (?<![\dA-Za-z+])(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})(?:S\d){7,8}(?!\d)
#   |(?<![\dA-Za-z+])[48]00(?:S\d){7}(?!\d)
_NOT_AFTER_ALNUM_PLUS = r"(?<![\dA-Za-z+][\s\S])"
_LANDLINE = re.compile(
    rf"\({_NOT_AFTER_ALNUM_PLUS}0[1-9]\d{{1,2}}\)(?:{_S}\d){{7,8}}(?!\d)"
    rf"|0{_NOT_AFTER_ALNUM_PLUS}[1-9]\d{{1,2}}(?:{_S}\d){{7,8}}(?!\d)"
    rf"|4{_NOT_AFTER_ALNUM_PLUS}00(?:{_S}\d){{7}}(?!\d)"
    rf"|8{_NOT_AFTER_ALNUM_PLUS}00(?:{_S}\d){{7}}(?!\d)"
)
# An international landline: +86 or 0086, the area code without its 0, often in brackets.
_AREA = r"(?:10|2\d|[3-9]\d\d)"  # area codes without the trunk 0 (mobiles never start 10)
#   (?<![\dA-Za-z])(?:\+|00)86\s*(?:\(\s*AREA\s*\)|AREA(?=[\s\-]))(?:S\d){7,8}(?!\d)
_INTL_LANDLINE = re.compile(
    rf"(?:\+{_NOT_AFTER_ALNUM}|0{_NOT_AFTER_ALNUM}0)86\s*(?:\(\s*{_AREA}\s*\)|{_AREA}(?=[\s\-]))"
    rf"(?:{_S}\d){{7,8}}(?!\d)"
)
_PHONE_CUE = re.compile(r"电话|座机|热线|手机|客服|号码|致电|拨打|联系|tel|phone", re.IGNORECASE)
_MOBILE_DIGITS = re.compile(r"1[3-9]\d{9}")
_QQ_NUMBER = re.compile(rf"[1-9](?:{_S}\d){{4,10}}(?!\d)")
_CONNECTOR = r"[\s(（]*(?:号码|号|群号?|账号|帐号|id)?[\s:：=]*(?:是|为)?[\s:：]*"
_QQ_LEAD = re.compile(rf"QQ(?:[/、]微信(?:号)?)?{_CONNECTOR}", re.IGNORECASE)
_LIST_SEP = re.compile(r"\s*(?:[/、,，|]|或者?|和|及|or)\s*(?:QQ)?\s*", re.IGNORECASE)
_WECHAT_LEAD = re.compile(rf"微信(?:[/、]QQ(?:号)?)?{_CONNECTOR}", re.IGNORECASE)
_WECHAT_ID = re.compile(r"[A-Za-z][-_A-Za-z0-9]{5,19}(?![-_A-Za-z0-9@.])")
_WXID = re.compile(r"(?<![A-Za-z0-9_])wxid_[a-z0-9]{6,20}(?![A-Za-z0-9_])", re.IGNORECASE)
# (微信|支付宝)(?:号)?(?:和|与|跟)?(?:手机|电话)?同号|同(微信|支付宝), as alternatives that each
# begin with a literal (then the engine only tries it at 微, 支 or 同).
_SAME_AS_PHONE = re.compile(
    r"微信(?:号)?(?:和|与|跟)?(?:手机|电话)?同号|支付宝(?:号)?(?:和|与|跟)?(?:手机|电话)?同号"
    r"|同(?:微信|支付宝)"
)
_SAME_AS_QQ = re.compile(r"QQ(?:号)?(?:和|与|跟)?(?:手机|电话|微信)?同号|同QQ", re.IGNORECASE)
# A WeChat ID split by spaces ("shan tie 888"): short pieces, joined when the first alone is
# too short to be an ID.
_SPLIT_WECHAT = re.compile(
    r"[A-Za-z][-_A-Za-z0-9]{0,4}(?: [-_A-Za-z0-9]{1,8}){1,6}(?![-_A-Za-z0-9@.])"
)
_AMOUNT_AFTER = re.compile(r"\s*(?:元|块|万|千|rmb|yuan)", re.IGNORECASE)
_NOT_ID_PIECE = frozenset({"or", "and", "qq", "vx", "wx", "tel", "v", "q", "id"})
# URLs, host names with a path, and bare paths: their digits are never contact numbers.
_PATH = re.compile(r"(?<![A-Za-z0-9])/[A-Za-z0-9\-._~/?#=&%]*[A-Za-z0-9]")
_ALIPAY_LEAD = re.compile(rf"支付宝(?:收款)?(?:账户|帐户){_CONNECTOR}|支付宝{_CONNECTOR}")
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63})"
    r"\s*(?P<at>@|\(at\)|\[at\]|（at）|艾特|#)\s*"
    r"(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
    r"(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
# Addresses at the big free mail providers, with the dot written out ("abc@163。com", "点com").
_PROVIDER_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63})"
    r"\s*(?:@|\(at\)|\[at\]|（at）|艾特|#)\s*"
    r"(?P<host>qq|foxmail|163|126|yeah|sina|sohu|139|189|aliyun|gmail|outlook|hotmail)"
    r"\s*(?:。|点|\(dot\)|\[dot\]|dot)\s*(?P<tld>com|cn|net)(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
# "#" stands in for "@" only before the big free mail providers.
_MAIL_PROVIDERS = frozenset(
    {
        "qq.com",
        "foxmail.com",
        "163.com",
        "126.com",
        "yeah.net",
        "sina.com",
        "sina.cn",
        "sohu.com",
        "139.com",
        "189.cn",
        "aliyun.com",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
    }
)
_QQ_MAIL = frozenset({"qq.com", "foxmail.com", "vip.qq.com"})
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)'\"]"
_WIDE_STOPS = frozenset(",;!()[]<>'\":")
_HOST = re.compile(
    r"(?<![A-Za-z0-9@._-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,12}"
    r"(?![A-Za-z0-9-])(?:/[A-Za-z0-9\-._~/?#=&%]*)?",
    re.IGNORECASE,
)
# Bare host names count only under TLDs that real sites use (not file extensions like .py).
_COMMON_TLDS = frozenset(
    {
        "com",
        "cn",
        "net",
        "org",
        "cc",
        "top",
        "xyz",
        "info",
        "vip",
        "club",
        "site",
        "online",
        "wang",
        "ltd",
        "shop",
        "tv",
        "me",
        "biz",
        "asia",
        "hk",
        "tw",
        "news",
        "pro",
        "link",
        "ink",
        "icu",
        "fun",
        "work",
        "live",
        "tech",
        "store",
        "space",
        "website",
        "press",
        "media",
        "co",
        "io",
        "cloud",
        "group",
        "center",
        "red",
        "kim",
        "mobi",
        "pub",
        "art",
        "love",
        "today",
    }
)
# 18 letters or digits, alone: `(?<![A-Za-z0-9])[0-9A-Z]{18}(?![A-Za-z0-9])` ignoring case, with
# the characters that ignoring case adds ("İ", "ı", "ſ", the Kelvin sign) spelt out and the
# lookbehind after the first character, so the engine only tries the pattern at such a character.
_ALNUM = "[0-9A-Za-z\u0130\u0131\u017f\u212a]"
_USCC = re.compile(f"{_ALNUM}(?<!{_ALNUM}{_ALNUM}){_ALNUM}{{17}}(?!{_ALNUM})")
# (?<!\d)\d(?:[ \-]?\d)+(?!\d), the lookbehind after the first digit.
_CARD_RUN = re.compile(r"\d(?<!\d\d)(?:[ \-]?\d)+(?!\d)")
_CARD_CUE = re.compile(
    r"卡号|银行|账号|帐号|账户|户名|开户|收款|转账|汇款|打款|付款|工行|建行|农行|中行|招行|交行|"
    r"邮储|储蓄卡|借记卡|信用卡|银联|对公|card",
    re.IGNORECASE,
)
_CUE_WINDOW = 25
# Kinds whose digits inside a URL or path are never taken for them.
_NUMBER_KINDS = frozenset({"phone", "qq", "bank_card"})


def _emit(out: list[Identifier], view: Normalized, kind: str, value: str, a: int, b: int) -> None:
    start, end = view.span(a, b)
    out.append(Identifier(kind, value, start, end))


_DIGIT_THEN_SEP = re.compile(r"\d[\s\-.]")
_SEP_THEN_DIGIT = re.compile(r"[\s\-.]\d")
_LANDLINE_SHAPE = re.compile(r"\(0\d+\)|0\d{2,3}[\s\-]|[48]00[\s\-]")
_QQ_LOCAL = re.compile(r"[1-9]\d{4,10}")
_SCHEME = re.compile(r"https?://", re.IGNORECASE)


def _split_number_guard(text: str, a: int, b: int) -> bool:
    """Return whether a separator-split number seems cut out of a longer digit sequence."""
    if digits_of(text[a:b]) == text[a:b].lstrip("+(").replace(")", ""):
        return False
    before = text[max(0, a - 2) : a]
    after = text[b : b + 2]
    return bool(_DIGIT_THEN_SEP.fullmatch(before) or _SEP_THEN_DIGIT.fullmatch(after))


def _phones(norm: Normalized, out: list[Identifier]) -> list[tuple[str, int, int]]:
    text = norm.text
    found: list[tuple[str, int, int]] = []
    for match in _MOBILE.finditer(text):
        a, b = match.span()
        if _split_number_guard(text, a, b):
            continue
        phone = normalize_phone("+86" + digits_of(match.group())[-11:])
        if phone and is_mainland_mobile(phone):
            found.append((phone, a, b))
    for match in _LANDLINE.finditer(text):
        a, b = match.span()
        raw = match.group()
        shaped = _LANDLINE_SHAPE.match(raw) is not None
        if not shaped and _PHONE_CUE.search(text, max(0, a - 15), a) is None:
            continue  # neither phone-shaped nor after a phone cue
        if _split_number_guard(text, a, b):
            continue
        phone = normalize_phone(digits_of(raw))
        if phone and not is_mainland_mobile(phone):
            found.append((phone, a, b))
    national: _Spans | None = None
    for match in _INTL_LANDLINE.finditer(text):
        a, b = match.span()
        if national is None:
            national = _Spans((fa, fb) for _, fa, fb in found)
        if national.overlap(a, b):  # intl matches never overlap one another
            continue
        phone = normalize_phone("+" + digits_of(match.group()).removeprefix("00"))
        if phone and not is_mainland_mobile(phone):
            found.append((phone, a, b))
    for phone, a, b in found:
        _emit(out, norm, "phone", phone, a, b)
    return found


def _numbers_after(text: str, pos: int, number: re.Pattern[str]) -> Iterator[tuple[str, int, int]]:
    """Yield the number at `pos` and any listed right after it ("123456 / 234567")."""
    while True:
        match = number.match(text, pos)
        if match is None:
            return
        yield match.group(), match.start(), match.end()
        sep = _LIST_SEP.match(text, match.end())
        if sep is None or sep.end() == match.end():
            return
        pos = sep.end()


def _qq(norm: Normalized, out: list[Identifier]) -> list[tuple[str, int, int]]:
    text = norm.text
    found: list[tuple[str, int, int]] = []
    for lead in _QQ_LEAD.finditer(text):
        for raw, a, b in _numbers_after(text, lead.end(), _QQ_NUMBER):
            if _split_number_guard(text, a, b) and a != lead.end():
                continue
            found.append((digits_of(raw), a, b))
            _emit(out, norm, "qq", digits_of(raw), a, b)
    return found


def _split_wechat_id(text: str, pos: int) -> re.Match[str] | None:
    """Return a WeChat ID split by spaces at `pos`, when its pieces join into a valid one."""
    match = _SPLIT_WECHAT.match(text, pos)
    if match is None:
        return None
    pieces = match.group().split(" ")
    if len(pieces[0]) >= 6 or any(p.lower() in _NOT_ID_PIECE for p in pieces):
        return None
    return match if _WECHAT_ID.fullmatch("".join(pieces)) else None


def _wechat(
    norm: Normalized,
    out: list[Identifier],
    phones: list[tuple[str, int, int]],
    qqs: list[tuple[str, int, int]],
) -> list[tuple[str, int, int]]:
    text = norm.text
    numbers: list[tuple[str, int, int]] = []
    for lead in _WECHAT_LEAD.finditer(text):
        pos = lead.end()
        match = _WECHAT_ID.match(text, pos)
        if match and not match.group().lower().startswith(("qq", "http", "www")):
            _emit(out, norm, "wechat", match.group().lower(), *match.span())
            continue
        split = _split_wechat_id(text, pos)
        if split is not None:
            _emit(out, norm, "wechat", split.group().replace(" ", "").lower(), *split.span())
            continue
        # A number given as the WeChat ID: the bound mobile or QQ number, as its digits.
        for raw, a, b in _numbers_after(text, pos, _QQ_NUMBER):
            if _AMOUNT_AFTER.match(text, b):
                continue  # "微信 50000 元红包": an amount, not an ID
            digits = digits_of(raw)
            numbers.append((digits, a, b))
            _emit(out, norm, "wechat", digits, a, b)
    for match in _WXID.finditer(text):
        _emit(out, norm, "wechat", match.group().lower(), *match.span())
    same_phrases = list(_SAME_AS_PHONE.finditer(text)) if "同" in text else []
    if not same_phrases:
        return numbers
    mobile_list = [(p[3:], a, b) for p, a, b in phones if is_mainland_mobile(p)]
    mobiles, mobiles_and_qqs = _Numbers(mobile_list), _Numbers(mobile_list + qqs)
    for same in same_phrases:
        if "微信" in same.group():
            nearest = mobiles_and_qqs.nearest_before(same.start()) or mobiles.nearest(same.start())
            if nearest is not None:
                _emit(out, norm, "wechat", nearest[0], nearest[1], nearest[2])
        else:
            phone = mobiles.nearest(same.start())
            if phone is not None:
                _emit(out, norm, "alipay", phone[0], phone[1], phone[2])
    return numbers


def _same_as_qq(
    norm: Normalized,
    out: list[Identifier],
    phones: list[tuple[str, int, int]],
    wechat_numbers: list[tuple[str, int, int]],
) -> None:
    """ "QQ同号": the number just given (a mobile or a WeChat number) is the QQ number too."""
    same_phrases = list(_SAME_AS_QQ.finditer(norm.text))
    if not same_phrases:
        return
    mobiles = [(p[3:], a, b) for p, a, b in phones if is_mainland_mobile(p)]
    numbers = _Numbers(mobiles + wechat_numbers)
    for same in same_phrases:
        nearest = numbers.nearest_before(same.start())
        if nearest is not None:
            _emit(out, norm, "qq", *nearest)


def _alipay(norm: Normalized, out: list[Identifier], emails: list[Identifier]) -> None:
    text = norm.text
    email_order = sorted(range(len(emails)), key=lambda k: emails[k].start)
    email_starts = [emails[k].start for k in email_order]
    for lead in _ALIPAY_LEAD.finditer(text):
        pos = lead.end()
        match = _MOBILE.match(text, pos)
        if match:
            phone = normalize_phone("+86" + digits_of(match.group())[-11:])
            if phone:
                _emit(out, norm, "alipay", phone[3:], *match.span())
            continue
        start, _ = norm.span(pos, pos)
        lo, hi = bisect_left(email_starts, start), bisect_right(email_starts, start + 3)
        for k in sorted(email_order[lo:hi]):  # in the order the e-mails were found
            email = emails[k]
            out.append(Identifier("alipay", email.value, email.start, email.end))


def _emails(folded: Normalized, out: list[Identifier]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _EMAIL.finditer(folded.text):
        domain = match.group("domain").lower()
        if match.group("at") == "#" and domain not in _MAIL_PROVIDERS:
            continue
        if registrable_domain(domain) is None:
            continue
        local = match.group("local").lower().rstrip(".")
        _emit(out, folded, "email", f"{local}@{domain}", *match.span())
        spans.append(match.span())
        if domain in _QQ_MAIL and _QQ_LOCAL.fullmatch(local):
            _emit(out, folded, "qq", local, match.start("local"), match.end("local"))
    plain = _Spans(spans)  # provider matches never overlap one another
    for match in _PROVIDER_EMAIL.finditer(folded.text):
        domain = f"{match.group('host')}.{match.group('tld')}".lower()
        if domain not in _MAIL_PROVIDERS or plain.cover(match.start()):
            continue
        local = match.group("local").lower()
        _emit(out, folded, "email", f"{local}@{domain}", *match.span())
        spans.append(match.span())
        if domain in _QQ_MAIL and _QQ_LOCAL.fullmatch(local):
            _emit(out, folded, "qq", local, match.start("local"), match.end("local"))
    return spans


def _cut_at_wide_punctuation(folded: Normalized, start: int, url: str) -> str:
    """Cut a URL at punctuation that was full-width in the original ("，" folds to ",")."""
    for offset, ch in enumerate(url):
        if ch in _WIDE_STOPS and not folded.original[folded.starts[start + offset]].isascii():
            return url[:offset]
    return url


def _url_spans(
    folded: Normalized,
    urls: list[re.Match[str]] | None = None,
    hosts: list[re.Match[str]] | None = None,
) -> list[tuple[int, int]]:
    """Return the original-text spans of URLs, host names with their path, and bare paths."""
    text = folded.text
    urls = list(_URL.finditer(text)) if urls is None else urls
    hosts = list(_HOST.finditer(text)) if hosts is None else hosts
    spans = [m.span() for m in urls] + [m.span() for m in hosts]
    if "/" in text:
        spans += [m.span() for m in _PATH.finditer(text)]
    return [folded.span(a, b) for a, b in spans]


def _urls_and_domains(
    folded: Normalized,
    out: list[Identifier],
    taken: list[tuple[int, int]],
    urls: list[re.Match[str]] | None = None,
    hosts: list[re.Match[str]] | None = None,
) -> None:
    text = folded.text
    urls = list(_URL.finditer(text)) if urls is None else urls
    hosts = list(_HOST.finditer(text)) if hosts is None else hosts
    for match in urls:
        url = _cut_at_wide_punctuation(folded, match.start(), match.group()).rstrip(_URL_TRAIL)
        a, b = match.start(), match.start() + len(url)
        domain = registrable_domain(url)
        if domain is None:
            continue
        if not _SCHEME.match(url):
            url = "http://" + url
        _emit(out, folded, "url", url, a, b)
        _emit(out, folded, "domain", domain, a, b)
        taken.append((a, b))
    claimed = _Spans(taken)
    for match in hosts:
        a, b = match.span()
        if claimed.overlap(a, b):
            continue
        host = match.group().split("/", 1)[0]
        if host.rsplit(".", 1)[-1].lower() not in _COMMON_TLDS:
            continue
        domain = registrable_domain(host)
        if domain:
            _emit(out, folded, "domain", domain, a, a + len(host))


def _registrations(folded: Normalized, out: list[Identifier]) -> None:
    for match in _USCC.finditer(folded.text):
        value = match.group().upper()
        if is_valid_uscc(value):
            _emit(out, folded, "uscc", value, *match.span())
    for icp, a, b in iter_icp(folded.text):
        _emit(out, folded, "icp", str(icp), a, b)


def icp_main_number(value: str) -> str | None:
    """Return the operator's filing of an ICP value (`京ICP备12345678号-1` → `…号`)."""
    parsed = parse_icp(value)
    return parsed.canonical if parsed else None


_DIGITS = re.compile(r"\d+")


def _card_candidates(run: str) -> Iterator[tuple[str, int, int]]:
    """Yield 16-19 digit stretches of a digit run, whole or cut at its separators."""
    groups = [(m.group(), m.start(), m.end()) for m in _DIGITS.finditer(run)]
    for i in range(len(groups)):
        for j in range(i, len(groups)):
            digits = "".join(g[0] for g in groups[i : j + 1])
            if len(digits) > 19:
                break
            if len(digits) >= 16 and (i, j) in {(0, len(groups) - 1), (0, j), (i, len(groups) - 1)}:
                yield digits, groups[i][1], groups[j][2]


def _bank_cards(norm: Normalized, out: list[Identifier]) -> None:
    text = norm.text
    for run in _CARD_RUN.finditer(text):
        if run.end() - run.start() < 16:
            continue  # fewer than 16 digits: no card in it
        cued = _CARD_CUE.search(text, max(0, run.start() - _CUE_WINDOW), run.start()) is not None
        for digits, a, b in _card_candidates(run.group()):
            if not is_valid_bank_card(digits) or digits[0] not in "3456":
                continue
            if not cued and (not digits.startswith("62") or is_valid_resident_id(digits)):
                continue
            _emit(out, norm, "bank_card", digits, run.start() + a, run.start() + b)
            break


# What every match of a group of patterns contains: a text without it skips the group.
_DIGIT = re.compile(r"\d")
_SIXTEEN_DIGITS = re.compile(r"(?:\D*+\d){16}")
# "@", "#", "艾特", "(at)", "[at]" ("（at）" is "(at)" once folded).
_EMAIL_GATE = re.compile(r"[@#]|艾特|[(\[][aA][tT][)\]]")
# "://" or "www." in any case ("w" has no other case forms): one class first, so the engine
# only tries it at ":", "w" or "W" (a case-blind pattern is tried at every position).
_URL_GATE = re.compile(r"[:Ww](?:(?<=:)//|(?<=[Ww])[Ww][Ww]\.)")
# A dot before a letter (with IGNORECASE, [A-Za-z] also takes "İ", "ı", "ſ" and the Kelvin sign).
_HOST_GATE = re.compile("\\.[A-Za-z\u0130\u0131\u017f\u212a]")
_QQ_GATE = re.compile("QQ", re.IGNORECASE)
_WXID_GATE = re.compile("[Ww](?i:xid_)")  # as "wxid_" in any case, tried only at w or W
_PHONE_MIN_DIGITS = 10  # 1[3-9] and 9, 0 + area code + 7, 400/800 + 7, +86 + area + 7
_REGISTRATION_MIN_DIGITS = 6  # a USCC begins with 8 digits, an ICP number has 6 to 10


def extract(text: str) -> list[Identifier]:
    """Return every identifier in `text`, ordered by position, without duplicates."""
    folded = fold(text or "")
    norm = normalize(folded)
    out: list[Identifier] = []
    ftext, ntext = folded.text, norm.text
    has_dot_or_slash = "." in ftext or "/" in ftext
    email_spans: list[tuple[int, int]] = []
    if _EMAIL_GATE.search(ftext):
        email_spans = _emails(folded, out)
    emails = [i for i in out if i.kind == "email"]
    url_matches = list(_URL.finditer(ftext)) if _URL_GATE.search(ftext) else []
    host_matches = list(_HOST.finditer(ftext)) if _HOST_GATE.search(ftext) else []
    if url_matches or host_matches:
        _urls_and_domains(folded, out, list(email_spans), url_matches, host_matches)
    # What `\d` takes, other scripts' digits too, counted up to 16 (the most a gate below asks
    # for: a 1 MB page listed every digit). Normalising only adds digits (numerals), so the
    # folded text has no more than this.
    digits = 16 if _SIXTEEN_DIGITS.match(ntext) else len(_DIGIT.findall(ntext))
    if digits >= _REGISTRATION_MIN_DIGITS:
        _registrations(folded, out)
    phones: list[tuple[str, int, int]] = []
    qqs: list[tuple[str, int, int]] = []
    if digits >= _PHONE_MIN_DIGITS:
        phones = _phones(norm, out)
    if digits and _QQ_GATE.search(ntext):
        qqs = _qq(norm, out)
    wechat_numbers: list[tuple[str, int, int]] = []
    if "微信" in ntext or "同" in ntext or _WXID_GATE.search(ntext):
        wechat_numbers = _wechat(norm, out, phones, qqs)
    if "同" in ntext:
        _same_as_qq(norm, out, phones, wechat_numbers)
    if "支付宝" in ntext:
        _alipay(norm, out, emails)
    if digits >= 16:
        _bank_cards(norm, out)
    if out and has_dot_or_slash:
        urls = _Spans(_url_spans(folded, url_matches, host_matches))
        out = [i for i in out if i.kind not in _NUMBER_KINDS or not urls.contain(i.start, i.end)]
    unique = {(i.kind, i.value, i.start): i for i in out}
    return sorted(unique.values(), key=lambda i: (i.start, _KIND_ORDER[i.kind], i.end))
