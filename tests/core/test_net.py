from django.test import RequestFactory, override_settings

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
