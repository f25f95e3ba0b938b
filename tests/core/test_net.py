import socket
import threading
import time

import pytest
from django.test import RequestFactory, override_settings

from qinglang.core import net
from qinglang.core.net import client_ip


def make(remote="10.0.0.5", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_proxies_forwarded_header_is_ignored():
    assert client_ip(make(forwarded="1.2.3.4")) == "10.0.0.5"


@override_settings(QINGLANG_NUM_PROXIES=1)
def test_one_proxy_takes_the_address_it_appended():
    # The client forged "6.6.6.6"; the trusted proxy appended the real address last.
    assert client_ip(make(forwarded="6.6.6.6, 203.0.113.7")) == "203.0.113.7"


@override_settings(QINGLANG_NUM_PROXIES=2)
def test_too_few_forwarded_entries_fall_back_to_remote_addr():
    assert client_ip(make(forwarded="203.0.113.7")) == "10.0.0.5"


@override_settings(QINGLANG_NUM_PROXIES=1)
def test_garbage_forwarded_value_falls_back():
    assert client_ip(make(forwarded="not-an-ip")) == "10.0.0.5"


def test_missing_remote_addr_is_none():
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None


# --- resolve: one lookup, within a time limit ---------------------------------------------------


@pytest.fixture
def silent_resolver(monkeypatch):
    """A resolver that never answers (until the test ends); yields the names asked for."""
    asked: list[str] = []
    release = threading.Event()

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        release.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "released at the end of the test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield asked
    release.set()
    deadline = time.monotonic() + 10
    while net._places.counts() != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.01)  # the abandoned lookups end and give their places back
    assert net._places.counts() == (0, 0)


def test_a_resolver_that_never_answers_times_out(silent_resolver):
    started = time.monotonic()
    with pytest.raises(net.ResolveTimeoutError, match=r"no resolver answer within 0\.3 s"):
        net.resolve("never.example", 80, timeout=0.3)
    assert 0.3 <= time.monotonic() - started < 2
    assert silent_resolver == ["never.example"]
    assert issubclass(net.ResolveTimeoutError, socket.gaierror), "callers catch it as a gaierror"


def test_stuck_lookups_are_bounded_and_the_next_waits_no_longer_than_its_limit(silent_resolver):
    for n in range(net.MAX_LOOKUPS):
        with pytest.raises(net.ResolveTimeoutError):
            net.resolve(f"stuck{n}.example", 80, timeout=0.05)
    started = time.monotonic()
    with pytest.raises(net.ResolveTimeoutError):
        net.resolve("one-more.example", 80, timeout=0.2)
    assert time.monotonic() - started < 2
    assert len(silent_resolver) == net.MAX_LOOKUPS, "no thread started beyond the bound"


@pytest.fixture
def answering_one_name(monkeypatch):
    """A resolver that answers for answers.example at once and never for any other name."""
    asked: list[str] = []
    release = threading.Event()

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host == "answers.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.9", port))]
        release.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "released at the end of the test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(net, "STUCK_AFTER", 0.5)
    yield asked
    release.set()
    deadline = time.monotonic() + 10
    while net._places.counts() != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert net._places.counts() == (0, 0), "every lookup ended and gave its place back"


def _stick(n: int, prefix: str) -> None:
    for i in range(n):
        with pytest.raises(net.ResolveTimeoutError):
            net.resolve(f"{prefix}{i}.example", 80, timeout=0.05)


def test_a_stuck_lookup_gives_its_place_back(answering_one_name):
    """Lookups that never end take every place only until they count as stuck."""
    _stick(net.MAX_LOOKUPS, "stuck")
    with pytest.raises(net.ResolveTimeoutError):  # every place taken: not even asked
        net.resolve("answers.example", 80, timeout=0.05)
    assert "answers.example" not in answering_one_name
    assert net._places.counts() == (net.MAX_LOOKUPS, 0)
    time.sleep(0.5)  # STUCK_AFTER
    started = time.monotonic()
    assert net.resolve("answers.example", 80, timeout=2) == ["203.0.113.9"]
    assert time.monotonic() - started < 1, "a place was free at once"
    assert net._places.counts() == (0, net.MAX_LOOKUPS)  # their threads are left to end


def test_stuck_lookups_left_running_are_bounded(answering_one_name, monkeypatch):
    """Past MAX_STUCK threads of stuck lookups, places stay taken: threads stay bounded."""
    monkeypatch.setattr(net, "MAX_STUCK", net.MAX_LOOKUPS)
    _stick(net.MAX_LOOKUPS, "first")
    time.sleep(0.5)
    _stick(net.MAX_LOOKUPS, "second")  # the first ones count as stuck: places for these
    assert net._places.counts() == (net.MAX_LOOKUPS, net.MAX_LOOKUPS)
    time.sleep(0.5)
    started = time.monotonic()
    with pytest.raises(net.ResolveTimeoutError):
        net.resolve("answers.example", 80, timeout=0.2)
    assert time.monotonic() - started < 2
    assert "answers.example" not in answering_one_name, "no thread beyond the bound"
    assert len(answering_one_name) == 2 * net.MAX_LOOKUPS


def test_resolve_returns_each_address_once_in_the_resolvers_order(monkeypatch):
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7", 80)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::1", 80, 0, 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7", 80)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    assert net.resolve("twice.example", 80) == ["203.0.113.7", "2001:db8::1"]


def test_a_name_that_does_not_resolve_raises_the_resolvers_error(monkeypatch):
    def unknown(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(socket.gaierror, match="not known") as caught:
        net.resolve("unknown.example", 80)
    assert not isinstance(caught.value, net.ResolveTimeoutError)
