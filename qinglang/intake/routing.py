"""Routing (属地): which organization receives a report, and by which rule."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from qinglang.analysis.filings import parse_icp, parse_psb
from qinglang.core.memo import ProcessMemo
from qinglang.core.models import OfficeLevel, Organization, OrganizationKind, Region
from qinglang.intake.models import ReportCategory
from qinglang.registry.models import Website
from qinglang.registry.selectors import find_website

# Words that name the regulator's own staff in a collusion report.
_REGULATOR_STAFF = re.compile(
    r"网信|互联网信息办公室|cyberspace administration|regulator (?:staff|official)",
    re.IGNORECASE,
)


class RoutingError(RuntimeError):
    """No organization can receive reports (reference data is missing)."""


@dataclass(frozen=True)
class Routing:
    office: Organization
    rule: str
    is_internal: bool = False


@dataclass(frozen=True)
class TargetKeys:
    """What routing looks at in one target."""

    domain: str = ""
    icp_number: str = ""
    psb_number: str = ""


def is_internal_matter(*, category: str, concerns_staff: bool, text: str) -> bool:
    """Return whether a report is about regulator staff (discipline inspection handles it)."""
    if concerns_staff:
        return True
    return category == ReportCategory.COLLUSION and bool(_REGULATOR_STAFF.search(text or ""))


# The active regulator offices and the discipline-inspection organization, read at most once a
# minute per process: reference data that every submission routes by, so a public report makes
# no statement for it (intake's budget). An Organization saved or deleted in this process drops
# them at once, other processes within OFFICES_TTL seconds (as the triage policies).
OFFICES_TTL = 60.0


@dataclass(frozen=True)
class _Offices:
    national: Organization | None
    inspection: Organization | None
    municipal: dict[int, Organization]  # region id -> its first municipal office
    provincial: dict[int, Organization]  # region id -> its first provincial office


def _load_offices() -> _Offices:
    national, inspection = None, None
    municipal: dict[int, Organization] = {}
    provincial: dict[int, Organization] = {}
    offices = Organization.objects.filter(
        kind=OrganizationKind.REGULATOR_OFFICE, is_active=True
    ).order_by("pk")
    for office in offices.select_related("region"):
        if office.level == OfficeLevel.NATIONAL and national is None:
            national = office
        elif office.level == OfficeLevel.MUNICIPAL and office.region_id is not None:
            municipal.setdefault(office.region_id, office)
        elif office.level == OfficeLevel.PROVINCIAL and office.region_id is not None:
            provincial.setdefault(office.region_id, office)
    inspection = (
        Organization.objects.filter(kind=OrganizationKind.DISCIPLINE_INSPECTION, is_active=True)
        .order_by("region_id", "pk")
        .first()
    )
    return _Offices(national, inspection, municipal, provincial)


_offices_memo = ProcessMemo(_load_offices, ttl=OFFICES_TTL)


def _offices() -> _Offices:
    return _offices_memo.get()


def forget_offices(**_kwargs: Any) -> None:
    """Drop the cached offices (signal receiver of Organization saves and deletions)."""
    _offices_memo.forget()


def _copy(office: Organization | None) -> Organization | None:
    # Each caller gets its own instance: the cached ones are shared by every request.
    return copy.copy(office) if office is not None else None


def national_office() -> Organization:
    """Return the national office (the national triage pool)."""
    office = _copy(_offices().national)
    if office is None:
        raise RoutingError("no national regulator office: run `qinglang init`")
    return office


def inspection_organization() -> Organization:
    """Return the discipline-inspection organization that receives internal matters."""
    org = _copy(_offices().inspection)
    if org is None:
        raise RoutingError("no discipline-inspection organization: run `qinglang init`")
    return org


def office_for_region(region: Region | None) -> Organization | None:
    """Return the municipal office of a prefecture, else its provincial office, else None."""
    if region is None:
        return None
    offices = _offices()
    if region.parent_id is not None:
        if found := offices.municipal.get(region.pk):
            return _copy(found)
        return _copy(offices.provincial.get(region.parent_id))
    return _copy(offices.provincial.get(region.pk))


def _region_by_code(code: str) -> Region | None:
    """Return the prefecture (or, failing that, province) a six-digit division code lies in."""
    for candidate in (code[:4] + "00", code[:2] + "0000"):
        region = Region.objects.select_related("parent").filter(code=candidate).first()
        if region is not None:
            return region
    return None


def route(
    *,
    category: str,
    concerns_staff: bool,
    text: str,
    targets: Iterable[TargetKeys],
    lookup: Callable[..., Website | None] = find_website,
) -> Routing:
    """Decide where a report goes; rules in order, the first that yields an office wins.

    `lookup` finds a website by one key (the submission passes a memoised `find_website`, so
    each key is looked up once for routing and for linking the targets).
    """
    targets = list(targets)
    if is_internal_matter(category=category, concerns_staff=concerns_staff, text=text):
        return Routing(inspection_organization(), "internal_matter", is_internal=True)
    lookups = (
        ("domain", "registry_domain"),
        ("icp_number", "registry_icp"),
        ("psb_number", "registry_psb"),
    )
    for target in targets:
        for key, rule in lookups:
            value = getattr(target, key)
            website = lookup(**{key: value}) if value else None
            if website is not None and (office := office_for_region(website.region)):
                return Routing(office, rule)
    for target in targets:
        icp = parse_icp(target.icp_number) if target.icp_number else None
        if icp is not None and (office := office_for_region(_region_by_code(icp.province_code))):
            return Routing(office, "icp_province")
        psb = parse_psb(target.psb_number) if target.psb_number else None
        if psb is not None and (office := office_for_region(_region_by_code(psb.division_code))):
            return Routing(office, "psb_division")
    return Routing(national_office(), "national_pool")
