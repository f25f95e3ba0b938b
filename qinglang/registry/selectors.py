"""Careful reads of the registry."""

from __future__ import annotations

from qinglang.analysis.filings import parse_icp, parse_psb
from qinglang.registry.models import Website


def find_website(
    *, domain: str | None = None, icp_number: str | None = None, psb_number: str | None = None
) -> Website | None:
    """Return the registered website matching a registrable domain or a filing number."""
    qs = Website.objects.select_related("region")
    if domain:
        found = qs.filter(domains__domain=domain.lower()).first()
        if found:
            return found
    if icp_number:
        icp = parse_icp(icp_number)
        if icp is not None:
            found = qs.filter(icp_number__startswith=icp.canonical).first()
            if found:
                return found
    if psb_number:
        psb = parse_psb(psb_number)
        if psb is not None:
            found = qs.filter(psb_number=psb.canonical).first()
            if found:
                return found
    return None
