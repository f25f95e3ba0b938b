"""Parse ICP filing numbers and public-security filing numbers (pure Python)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Province-level abbreviations (简称) → GB/T 2260 province code.
ABBREVIATION_TO_PROVINCE: dict[str, str] = {
    "京": "110000",
    "津": "120000",
    "冀": "130000",
    "晋": "140000",
    "蒙": "150000",
    "辽": "210000",
    "吉": "220000",
    "黑": "230000",
    "沪": "310000",
    "苏": "320000",
    "浙": "330000",
    "皖": "340000",
    "闽": "350000",
    "赣": "360000",
    "鲁": "370000",
    "豫": "410000",
    "鄂": "420000",
    "湘": "430000",
    "粤": "440000",
    "桂": "450000",
    "琼": "460000",
    "渝": "500000",
    "川": "510000",
    "蜀": "510000",
    "黔": "520000",
    "贵": "520000",
    "滇": "530000",
    "云": "530000",
    "藏": "540000",
    "陕": "610000",
    "秦": "610000",
    "甘": "620000",
    "陇": "620000",
    "青": "630000",
    "宁": "640000",
    "新": "650000",
}

_ICP = re.compile(
    r"(?P<abbr>[" + "".join(ABBREVIATION_TO_PROVINCE) + r"])\s*ICP\s*(?P<kind>备|证)\s*"
    r"(?P<number>\d{6,10})\s*号?(?:\s*-\s*(?P<site>\d{1,4}))?",
    re.IGNORECASE,
)
_PSB = re.compile(
    r"(?P<abbr>[" + "".join(ABBREVIATION_TO_PROVINCE) + r"])\s*公网安备\s*(?P<number>\d{14})\s*号?"
)


@dataclass(frozen=True)
class IcpNumber:
    """An ICP filing (备) or licence (证) number, e.g. 京ICP备12345678号-1."""

    abbreviation: str
    province_code: str
    kind: str  # "备" filing, "证" commercial licence
    number: str
    site: str | None

    @property
    def canonical(self) -> str:
        """Return the number without the site suffix: the operator's filing."""
        return f"{self.abbreviation}ICP{self.kind}{self.number}号"

    def __str__(self) -> str:
        return self.canonical + (f"-{self.site}" if self.site else "")


@dataclass(frozen=True)
class PsbNumber:
    """A public-security filing number, e.g. 京公网安备11010502030143号."""

    abbreviation: str
    number: str

    @property
    def division_code(self) -> str:
        """Return the six-digit division code of the filing police bureau."""
        return self.number[:6]

    @property
    def province_code(self) -> str:
        return self.number[:2] + "0000"

    @property
    def canonical(self) -> str:
        return f"{self.abbreviation}公网安备{self.number}号"

    def __str__(self) -> str:
        return self.canonical


def _fold(text: str) -> str:
    # Full-width digits and letters (１２３, ＩＣＰ) are common in copied filings.
    return unicodedata.normalize("NFKC", text)


def parse_icp(text: str) -> IcpNumber | None:
    """Return the first ICP number in `text`, or None."""
    return next((icp for icp, _, _ in iter_icp(_fold(text or ""))), None)


def parse_psb(text: str) -> PsbNumber | None:
    """Return the first public-security filing number in `text`, or None."""
    match = _PSB.search(_fold(text or ""))
    if match is None:
        return None
    number = match.group("number")
    if ABBREVIATION_TO_PROVINCE[match.group("abbr")][:2] != number[:2]:
        # The abbreviation and the division code must name the same province.
        return None
    return PsbNumber(abbreviation=match.group("abbr"), number=number)


def iter_icp(text: str) -> Iterator[tuple[IcpNumber, int, int]]:
    """Yield every ICP number in already NFKC-folded `text` with its [start, end) span."""
    for match in _ICP.finditer(text or ""):
        abbr = match.group("abbr")
        icp = IcpNumber(
            abbreviation=abbr,
            province_code=ABBREVIATION_TO_PROVINCE[abbr],
            kind=match.group("kind"),
            number=match.group("number"),
            site=match.group("site"),
        )
        yield icp, match.start(), match.end()
