"""URLs and hosts to registrable domains, offline (the public suffix list bundled with tldextract).

The lookup is tldextract's (`top_domain_under_public_suffix`, ICANN section only, wildcards and
their exceptions), read straight from the snapshot file that ships inside the tldextract package:
importing tldextract itself would pull in `requests` and cost a second of start-up, and the
list is never fetched from the network.
"""

from __future__ import annotations

import functools
import importlib.util
import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

_PRIVATE_SEPARATOR = "// ===BEGIN PRIVATE DOMAINS==="
_SUFFIX_LINE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)

# A node of the reversed-label trie: child label → node, plus the marker key `_END` when a public
# suffix ends here.
_Node = dict[str, "_Node"]
_END = "\x00end"


def _snapshot_path() -> Path:
    spec = importlib.util.find_spec("tldextract")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("tldextract (its bundled public suffix list) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / ".tld_set_snapshot"


@functools.cache
def _trie() -> _Node:
    text = _snapshot_path().read_text(encoding="utf-8")
    public = text.partition(_PRIVATE_SEPARATOR)[0]
    root: _Node = {}
    for match in _SUFFIX_LINE.finditer(public):
        node = root
        for label in reversed(match.group("suffix").split(".")):
            node = node.setdefault(label, {})
        node[_END] = {}
    return root


def _decode_label(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        import idna  # only for punycode labels

        try:
            return str(idna.decode(lowered))
        except (UnicodeError, IndexError):
            pass
    return lowered


def _public_suffix_index(labels: list[str]) -> int | None:
    """Return the index of the first label of the public suffix, or None (tldextract's walk)."""
    node = _trie()
    suffix_index = label_index = len(labels)
    for label in reversed(labels):
        decoded = _decode_label(label)
        child = node.get(decoded) if decoded != _END else None
        if child is not None:
            label_index -= 1
            node = child
            if _END in node:
                suffix_index = label_index
            continue
        if "*" in node:
            return label_index if "!" + decoded in node else label_index - 1
        break
    return None if suffix_index == len(labels) else suffix_index


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


def _is_ip(host: str) -> bool:
    if not (host[-1:].isdigit() or ":" in host):
        return False  # no IP address ends in a letter (and this skips the costly parse)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _registrable(host: str) -> str | None:
    if _is_ip(host):
        return None
    labels = host.replace("\u3002", ".").replace("\uff0e", ".").replace("\uff61", ".").split(".")
    index = _public_suffix_index(labels)
    if index is None or index <= 0:
        return None
    domain, suffix = labels[index - 1], ".".join(labels[index:])
    return f"{domain}.{suffix}".lower() if domain and suffix else None


def registrable_domain(url_or_host: str) -> str | None:
    """Return the registrable domain ("example.com.cn") of a URL or host, or None for IPs."""
    host = host_of(url_or_host)
    if host is None:
        return None
    return _registrable(host)
