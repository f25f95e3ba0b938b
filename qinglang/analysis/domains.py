"""URLs and hosts to registrable domains, offline (tldextract's bundled suffix list)."""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

import tldextract


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # No suffix_list_urls: use the snapshot bundled with the package, never the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url_or_host: str) -> str | None:
    """Return the lower-case host of a URL or bare host name, or None."""
    text = (url_or_host or "").strip()
    if not text:
        return None
    if "://" not in text:
        text = "http://" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        return host.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        return host.lower().rstrip(".")


def registrable_domain(url_or_host: str) -> str | None:
    """Return the registrable domain ("example.com.cn") of a URL or host, or None for IPs."""
    host = host_of(url_or_host)
    if host is None:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    result = _extractor()(host)
    domain = result.top_domain_under_public_suffix
    return domain.lower() if domain else None
