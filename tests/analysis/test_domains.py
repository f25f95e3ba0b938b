"""The registrable-domain lookup agrees with tldextract on its own bundled suffix list."""

import contextlib
import ipaddress
import subprocess
import sys

import pytest

from qinglang.analysis import domains
from qinglang.analysis.domains import registrable_domain


def _hosts() -> list[str]:
    text = domains._snapshot_path().read_text(encoding="utf-8")
    hosts = ["localhost", "example", "a.b.c.example.com.cn", "xn--fiqs8s", "www.xn--fiqs8s.cn"]
    for line in text.splitlines():
        suffix = line.strip()
        if not suffix or suffix.startswith("//"):
            continue
        bare = suffix.lstrip("!").replace("*", "x")
        for host in (bare, f"shop.{bare}", f"a.shop.{bare}"):
            hosts.append(host)
            with contextlib.suppress(UnicodeError):
                hosts.append(host.encode("idna").decode("ascii"))
    return hosts


def _reference(extractor, url):
    """What registrable_domain returned when it called tldextract."""
    host = domains.host_of(url)
    if host is None:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    return extractor(host).top_domain_under_public_suffix.lower() or None


def test_agrees_with_tldextract_on_every_suffix_list_entry():
    tldextract = pytest.importorskip("tldextract")
    reference = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    disagreements = []
    for host in _hosts():
        expected = _reference(reference, host)
        if registrable_domain(host) != expected:
            disagreements.append((host, registrable_domain(host), expected))
    assert disagreements == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.com.cn/path?q=1", "example.com.cn"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("http://192.168.1.1/admin", None),
        ("http://[::1]:8080/", None),
        ("localhost", None),
        ("", None),
        ("www.city.kawasaki.jp", "city.kawasaki.jp"),  # wildcard exception
        ("foo.bar.kawasaki.jp", "foo.bar.kawasaki.jp"),  # wildcard
        ("http://例子.公司.cn/", "xn--fsqu00a.xn--55qx5d.cn"),
    ],
)
def test_examples(url, expected):
    assert registrable_domain(url) == expected


def test_importing_does_not_load_tldextract_or_requests():
    code = (
        "import sys; from qinglang.analysis.domains import registrable_domain as r; "
        "assert r('www.example.com') == 'example.com'; "
        "print(sorted(m for m in ('tldextract', 'requests') if m in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
