"""Monitoring fetches go through the capture's pinned, checked connections (SSRF, DNS rebinding).

The two servers on one port and the fake resolver come from `tests.ssrf` (shared with the web
capture's SSRF tests).
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from qinglang.evidence import capture
from qinglang.monitoring import fetching
from qinglang.monitoring.models import SeenItem
from qinglang.monitoring.services import run_check
from tests.monitoring.conftest import AD_PAGE
from tests.monitoring.factories import make_source
from tests.ssrf import PRIVATE, PUBLIC, install_rebinding, public_and_private

pytestmark = pytest.mark.django_db


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str]

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen.append(self.path)
        port = self.server.server_address[1]
        redirects = {
            "/to-private": f"http://{PRIVATE}:{port}/ad",
            "/to-inside": f"http://inside.test:{port}/ad",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-rebind": f"http://rebind.test:{port}/ad",
        }
        if self.path in redirects:
            self._send(302, b"", {"Location": redirects[self.path]})
        else:
            self._send(200, AD_PAGE.encode(), {"Content-Type": "text/html; charset=utf-8"})

    def _send(self, status, body, headers):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def servers():
    """Yield (port, public requests, private requests); both servers on the same port."""
    with public_and_private(_Recorder) as found:
        yield found


@pytest.fixture
def rebinding(settings, monkeypatch):
    """Refuse private addresses, count 127.0.0.2 as public, and resolve through a fake DNS."""
    return install_rebinding(settings, monkeypatch)


def test_a_rebinding_host_is_fetched_from_its_first_answer_only(world, servers, rebinding):
    port, public_seen, private_seen = servers
    source = make_source(world.guangdong_user, f"http://rebind.test:{port}/ad")

    outcome = run_check(source.pk)

    assert outcome.status == "ok", outcome.error
    assert outcome.changed == 1
    assert public_seen == ["/ad"]
    assert private_seen == []
    assert rebinding.count("rebind.test") == 1  # resolved once, and that answer was connected to


def test_the_second_answer_of_a_rebinding_host_is_refused(servers, rebinding):
    port, public_seen, private_seen = servers
    first = fetching.fetch(f"http://rebind.test:{port}/ad")
    with pytest.raises(capture.CaptureRefusedError, match=PRIVATE):
        fetching.fetch(f"http://rebind.test:{port}/ad")  # the name now answers private
    assert first.final.remote_ip == PUBLIC
    assert public_seen == ["/ad"]
    assert private_seen == []


@pytest.mark.parametrize(
    ("path", "refused"),
    [("/to-private", PRIVATE), ("/to-inside", PRIVATE), ("/to-metadata", "169.254.169.254")],
)
def test_a_redirect_to_a_private_address_is_refused(world, servers, rebinding, path, refused):
    port, public_seen, private_seen = servers
    source = make_source(world.guangdong_user, f"http://good.test:{port}{path}")

    outcome = run_check(source.pk)

    assert outcome.status == "error"
    assert refused in outcome.error
    assert public_seen == [path]
    assert private_seen == []
    assert not source.hits.exists()
    assert not SeenItem.objects.filter(source=source).exists()


def test_a_redirect_to_a_rebinding_host_never_reaches_the_private_server(servers, rebinding):
    port, public_seen, private_seen = servers
    result = fetching.fetch(f"http://good.test:{port}/to-rebind")
    assert [hop.remote_ip for hop in result.hops] == [PUBLIC, PUBLIC]
    assert public_seen == ["/to-rebind", "/ad"]
    assert private_seen == []
    with pytest.raises(capture.CaptureRefusedError, match=PRIVATE):
        fetching.fetch(f"http://good.test:{port}/to-rebind")  # its second answer is private
    assert private_seen == []
