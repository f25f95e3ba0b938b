"""Extract contact and registration identifiers from Chinese text, through broker obfuscation.

Spans always point into the original text; values are canonical (phones in E.164, QQ as digits,
e-mail, WeChat IDs and domains lower-case, domains registrable, USCC upper-case, ICP canonical).
Precision comes first: bare numbers become QQ numbers only after a QQ marker, landlines only in
phone-like shape or context, bank cards only with a valid Luhn digit and card context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from qinglang.analysis.domains import registrable_domain
from qinglang.analysis.filings import iter_icp
from qinglang.analysis.normalize import SEP, Normalized, digits_of, fold, normalize
from qinglang.analysis.validators import (
    is_mainland_mobile,
    is_valid_bank_card,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_phone,
)

KINDS = ("qq", "wechat", "phone", "email", "url", "domain", "bank_card", "alipay", "uscc", "icp")


@dataclass(frozen=True)
class Identifier:
    """One identifier found in a text: its kind, canonical value and [start, end) span."""

    kind: str
    value: str
    start: int
    end: int

    def as_dict(self) -> dict[str, str | int]:
        return {"kind": self.kind, "value": self.value, "start": self.start, "end": self.end}


_S = f"{SEP}{{0,3}}"  # up to three separators between digits
_MOBILE = re.compile(rf"(?<![\dA-Za-z])(?:\(?(?:\+|00)?86\)?{_S})?1{_S}[3-9](?:{_S}\d){{9}}(?!\d)")
_LANDLINE = re.compile(
    rf"(?<![\dA-Za-z+])(?:\(0[1-9]\d{{1,2}}\)|0[1-9]\d{{1,2}})(?:{_S}\d){{7,8}}(?!\d)"
    rf"|(?<![\dA-Za-z+])[48]00(?:{_S}\d){{7}}(?!\d)"
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
_SAME_AS_PHONE = re.compile(r"(微信|支付宝)(?:号)?(?:和|与|跟)?(?:手机|电话)?同号|同(微信|支付宝)")
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
_USCC = re.compile(r"(?<![A-Za-z0-9])[0-9A-Z]{18}(?![A-Za-z0-9])", re.IGNORECASE)
_CARD_RUN = re.compile(r"(?<!\d)\d(?:[ \-]?\d)+(?!\d)")
_CARD_CUE = re.compile(
    r"卡号|银行|账号|帐号|账户|户名|开户|收款|转账|汇款|打款|付款|工行|建行|农行|中行|招行|交行|"
    r"邮储|储蓄卡|借记卡|信用卡|银联|对公|card",
    re.IGNORECASE,
)
_CUE_WINDOW = 25


def _emit(out: list[Identifier], view: Normalized, kind: str, value: str, a: int, b: int) -> None:
    start, end = view.span(a, b)
    out.append(Identifier(kind, value, start, end))


def _split_number_guard(text: str, a: int, b: int) -> bool:
    """Return whether a separator-split number seems cut out of a longer digit sequence."""
    if digits_of(text[a:b]) == text[a:b].lstrip("+(").replace(")", ""):
        return False
    before = text[max(0, a - 2) : a]
    after = text[b : b + 2]
    return bool(re.fullmatch(r"\d[\s\-.]", before) or re.fullmatch(r"[\s\-.]\d", after))


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
        shaped = re.match(r"\(0\d+\)|0\d{2,3}[\s\-]|[48]00[\s\-]", raw) is not None
        cued = _PHONE_CUE.search(text, max(0, a - 15), a) is not None
        if not (shaped or cued) or _split_number_guard(text, a, b):
            continue
        phone = normalize_phone(digits_of(raw))
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


def _qq(norm: Normalized, out: list[Identifier]) -> None:
    text = norm.text
    for lead in _QQ_LEAD.finditer(text):
        for raw, a, b in _numbers_after(text, lead.end(), _QQ_NUMBER):
            if _split_number_guard(text, a, b) and a != lead.end():
                continue
            _emit(out, norm, "qq", digits_of(raw), a, b)


def _wechat(norm: Normalized, out: list[Identifier], phones: list[tuple[str, int, int]]) -> None:
    text = norm.text
    for lead in _WECHAT_LEAD.finditer(text):
        pos = lead.end()
        match = _WECHAT_ID.match(text, pos)
        if match and not match.group().lower().startswith(("qq", "http", "www")):
            _emit(out, norm, "wechat", match.group().lower(), *match.span())
            continue
        # A WeChat ID never starts with a digit: digits here are the bound mobile, or a QQ
        # number when the same number is given for both ("QQ/微信：…").
        before = text[max(0, lead.start() - 3) : lead.start()].rstrip("/、 ")
        shared_with_qq = "QQ" in lead.group() or before.endswith("QQ")
        for raw, a, b in _numbers_after(text, pos, _QQ_NUMBER):
            digits = digits_of(raw)
            if shared_with_qq or _MOBILE_DIGITS.fullmatch(digits):
                _emit(out, norm, "wechat", digits, a, b)
    for match in _WXID.finditer(text):
        _emit(out, norm, "wechat", match.group().lower(), *match.span())
    for same in _SAME_AS_PHONE.finditer(text):
        kind = "wechat" if "微信" in same.group() else "alipay"
        nearest = min(phones, key=lambda p: abs(p[1] - same.start()), default=None)
        if nearest is None or not is_mainland_mobile(nearest[0]):
            continue
        phone, a, b = nearest
        _emit(out, norm, kind, phone[3:] if kind == "wechat" else phone, a, b)


def _alipay(norm: Normalized, out: list[Identifier], emails: list[Identifier]) -> None:
    text = norm.text
    for lead in _ALIPAY_LEAD.finditer(text):
        pos = lead.end()
        match = _MOBILE.match(text, pos)
        if match:
            phone = normalize_phone("+86" + digits_of(match.group())[-11:])
            if phone:
                _emit(out, norm, "alipay", phone, *match.span())
            continue
        start, _ = norm.span(pos, pos)
        for email in emails:
            if start <= email.start <= start + 3:
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
        if domain in _QQ_MAIL and re.fullmatch(r"[1-9]\d{4,10}", local):
            _emit(out, folded, "qq", local, match.start("local"), match.end("local"))
    for match in _PROVIDER_EMAIL.finditer(folded.text):
        domain = f"{match.group('host')}.{match.group('tld')}".lower()
        if domain not in _MAIL_PROVIDERS or any(a <= match.start() < b for a, b in spans):
            continue
        local = match.group("local").lower()
        _emit(out, folded, "email", f"{local}@{domain}", *match.span())
        spans.append(match.span())
        if domain in _QQ_MAIL and re.fullmatch(r"[1-9]\d{4,10}", local):
            _emit(out, folded, "qq", local, match.start("local"), match.end("local"))
    return spans


def _cut_at_wide_punctuation(folded: Normalized, start: int, url: str) -> str:
    """Cut a URL at punctuation that was full-width in the original ("，" folds to ",")."""
    for offset, ch in enumerate(url):
        if ch in _WIDE_STOPS and not folded.original[folded.starts[start + offset]].isascii():
            return url[:offset]
    return url


def _urls_and_domains(
    folded: Normalized, out: list[Identifier], taken: list[tuple[int, int]]
) -> None:
    text = folded.text
    for match in _URL.finditer(text):
        url = _cut_at_wide_punctuation(folded, match.start(), match.group()).rstrip(_URL_TRAIL)
        a, b = match.start(), match.start() + len(url)
        domain = registrable_domain(url)
        if domain is None:
            continue
        if not re.match(r"https?://", url, re.IGNORECASE):
            url = "http://" + url
        _emit(out, folded, "url", url, a, b)
        _emit(out, folded, "domain", domain, a, b)
        taken.append((a, b))
    for match in _HOST.finditer(text):
        a, b = match.span()
        if any(a < tb and ta < b for ta, tb in taken):
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
        _emit(out, folded, "icp", icp.canonical, a, b)


def _card_candidates(run: str) -> Iterator[tuple[str, int, int]]:
    """Yield 16-19 digit stretches of a digit run, whole or cut at its separators."""
    groups = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\d+", run)]
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
        cued = _CARD_CUE.search(text, max(0, run.start() - _CUE_WINDOW), run.start()) is not None
        for digits, a, b in _card_candidates(run.group()):
            if not is_valid_bank_card(digits) or digits[0] not in "3456":
                continue
            if not cued and (not digits.startswith("62") or is_valid_resident_id(digits)):
                continue
            _emit(out, norm, "bank_card", digits, run.start() + a, run.start() + b)
            break


def extract(text: str) -> list[Identifier]:
    """Return every identifier in `text`, ordered by position, without duplicates."""
    folded = fold(text or "")
    norm = normalize(folded)
    out: list[Identifier] = []
    email_spans = _emails(folded, out)
    emails = [i for i in out if i.kind == "email"]
    _urls_and_domains(folded, out, list(email_spans))
    _registrations(folded, out)
    phones = _phones(norm, out)
    _qq(norm, out)
    _wechat(norm, out, phones)
    _alipay(norm, out, emails)
    _bank_cards(norm, out)
    unique = {(i.kind, i.value, i.start): i for i in out}
    return sorted(unique.values(), key=lambda i: (i.start, KINDS.index(i.kind), i.end))
