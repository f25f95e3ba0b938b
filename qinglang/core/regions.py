"""GB/T 2260 divisions, read from python-stdnum's maintained division table (cn/loc.dat)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

# Province-level abbreviations (简称) used in ICP filing numbers and licence plates.
PROVINCE_ABBREVIATIONS: dict[str, str] = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "黔",
    "53": "滇",
    "54": "藏",
    "61": "陕",
    "62": "甘",
    "63": "青",
    "64": "宁",
    "65": "新",
    "71": "台",
    "81": "港",
    "82": "澳",
}
_RANGE = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")
# Placeholder rows for the districts of municipalities, not real prefecture-level cities.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # "province" | "prefecture"
    parent_code: str | None


def _current_name(raw: str) -> str | None:
    """Return the name in force today from entries like "[1983-1986]郊区,[1987-]白云区"."""
    current = None
    for part in raw.split(","):
        match = _RANGE.match(part)
        if match is None:
            current = part
        elif match.group(2) is None:
            current = match.group(3)
    return current


def load_divisions() -> list[Division]:
    """Return current provinces and prefecture-level divisions, provinces first."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    provinces: list[Division] = []
    prefectures: list[Division] = []
    province_code = None
    attr = re.compile(r'(\w+)="([^"]*)"')
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = dict(attr.findall(line))
        key = line.split()[0]
        if not line.startswith(" "):
            province_code = key
            name = _current_name(fields.get("province", ""))
            if name:
                provinces.append(Division(f"{key}0000", name, "province", None))
            continue
        if province_code is None or len(key) != 4 or not key.endswith("00") or key == "0000":
            continue
        name = _current_name(fields.get("county", ""))
        if name and name not in _PLACEHOLDERS:
            prefectures.append(
                Division(f"{province_code}{key}", name, "prefecture", f"{province_code}0000")
            )
    return provinces + prefectures
