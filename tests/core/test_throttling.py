"""API throttles count per window; they never keep when an address called (issue 16.6, 17.7)."""

from __future__ import annotations

import pickle
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from qinglang.core.throttling import count_hit
from qinglang.intake import services
from qinglang.intake.models import Report
from tests.intake.factories import report_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def disk_throttle(settings, tmp_path):
    """The embedded store: counters in a diskcache directory of their own."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "qinglang.core.caches.PersistentDiskCache",
            "LOCATION": str(tmp_path / "throttle"),
        },
    }
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    yield tmp_path / "throttle"
    caches["throttle"].clear()
    assert rates == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]


def test_submissions_are_counted_not_timestamped_and_the_limit_holds(
    world, monkeypatch, disk_throttle
):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    api = APIClient()
    for _ in range(10):
        assert api.post("/api/v1/reports/", report_body(), format="json").status_code == 201
    refused = api.post("/api/v1/reports/", report_body(), format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Report.objects.count() == 10
    store = caches["throttle"]
    shards = store._cache._shards  # diskcache's FanoutCache: the raw keys and values
    stored = {key: shard.get(key) for shard in shards for key in shard.iterkeys()}
    assert stored, "the counter lives in the throttle store"
    for key, value in stored.items():
        value = pickle.loads(value) if isinstance(value, bytes) else value  # noqa: S301 - our own test store
        assert isinstance(value, int), f"{key!r} holds {value!r}, not a count"


def test_the_throttle_touches_no_database_table(world, monkeypatch, disk_throttle):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    api = APIClient()
    api.post("/api/v1/reports/", report_body(), format="json")
    with CaptureQueriesContext(connection) as ctx:
        assert api.post("/api/v1/reports/", report_body(), format="json").status_code == 201
    assert not [q for q in ctx.captured_queries if "cache" in q["sql"].lower()]


def test_the_throttle_store_keeps_its_connections_between_requests(
    world, monkeypatch, disk_throttle
):
    # Closing the last connection to a WAL database checkpoints it: milliseconds per request.
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    api = APIClient()
    assert api.post("/api/v1/reports/", report_body(), format="json").status_code == 201
    shards = caches["throttle"]._cache._shards
    opened = [shard._local.__dict__.get("con") for shard in shards]
    assert any(opened), "the counter's shard is open after the request"
    assert api.post("/api/v1/reports/", report_body(), format="json").status_code == 201
    assert [shard._local.__dict__.get("con") for shard in shards] == opened


class _Store:
    """A cache that answers incr/add/set as scripted, to reach count_hit's races."""

    def __init__(self, incr: list[int | None], add: bool) -> None:
        self.incr_answers, self.add_answer, self.calls = incr, add, []

    def incr(self, key: str) -> int:
        self.calls.append("incr")
        answer = self.incr_answers.pop(0)
        if answer is None:
            raise ValueError(key)
        return answer

    def add(self, key: str, value: int, timeout: int) -> bool:
        self.calls.append(f"add {value} {timeout}")
        return self.add_answer

    def set(self, key: str, value: int, timeout: int) -> None:
        self.calls.append(f"set {value} {timeout}")


def test_count_hit_increments_an_open_window_in_one_write():
    store = _Store(incr=[7], add=True)
    assert count_hit(store, "k", timeout=60) == 7
    assert store.calls == ["incr"]


def test_count_hit_opens_a_window_at_one():
    store = _Store(incr=[None], add=True)
    assert count_hit(store, "k", timeout=60) == 1
    assert store.calls == ["incr", "add 1 60"]


def test_count_hit_counts_on_when_another_process_opened_the_window_first():
    store = _Store(incr=[None, 2], add=False)
    assert count_hit(store, "k", timeout=60) == 2
    assert store.calls == ["incr", "add 1 60", "incr"]


def test_count_hit_restarts_a_window_that_expired_in_between():
    store = _Store(incr=[None, None], add=False)
    assert count_hit(store, "k", timeout=60) == 1
    assert store.calls == ["incr", "add 1 60", "incr", "set 1 60"]


def _assert_three_submissions_an_hour(monkeypatch, settings) -> None:
    """With a limit of 3 an hour, the fourth public submission is refused and not stored."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "report_submit": "3/hour"}
    monkeypatch.setitem(settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES", rates)
    monkeypatch.setattr(
        "rest_framework.throttling.SimpleRateThrottle.THROTTLE_RATES", rates, raising=False
    )
    api = APIClient()
    codes = [
        api.post("/api/v1/reports/", report_body(), format="json").status_code for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    assert Report.objects.count() == 3


def test_the_limit_holds_on_the_local_memory_store_too(world, monkeypatch, settings):
    # Django's own backends (Redis, local memory) raise ValueError from incr on a missing key.
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    caches["throttle"].clear()
    _assert_three_submissions_an_hour(monkeypatch, settings)


@pytest.fixture
def redis_throttle(settings):
    """The production store: counters in Redis (qinglang.core.caches.RedisCache)."""
    import redis

    from tests.services import REDIS_URL, service_missing

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        service_missing(f"Redis is not running at {REDIS_URL}")
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "qinglang.core.caches.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"throttle-test-{uuid.uuid4().hex}",
        },
    }
    store = caches["throttle"]
    yield store
    store.clear()


def test_redis_counts_a_window_in_one_round_trip_and_sets_its_lifetime(redis_throttle):
    store = redis_throttle
    client = store._cache.get_client(write=True)
    sent = []
    real = client.connection_pool.get_connection

    def counting(*args, **kwargs):
        sent.append(1)
        return real(*args, **kwargs)

    client.connection_pool.get_connection = counting
    try:
        assert [count_hit(store, "window:1", timeout=60) for _ in range(3)] == [1, 2, 3]
    finally:
        del client.connection_pool.get_connection
    assert len(sent) == 3, "one connection checkout (one MULTI/EXEC) per hit"
    raw_key = store.make_key("window:1")
    assert 0 < client.ttl(raw_key) <= 60
    assert store.get("window:1") == 3  # Django's own reads see the counter
    assert count_hit(store, "window:2", timeout=60) == 1  # windows are separate


def test_redis_window_counter_loses_no_hit_between_threads(redis_throttle):
    store = redis_throttle
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: count_hit(store, "race", timeout=60), range(200)))
    assert sorted(counts) == list(range(1, 201))


def test_redis_cache_reuses_one_client_per_pool(redis_throttle):
    store = redis_throttle
    first = store._cache.get_client(write=True)
    assert store._cache.get_client(write=True) is first
    assert store._cache.get_client() is first  # one server: reads use the same pool
    store._cache._pools.clear()  # a new pool (as after a reconfiguration) gets a new client
    fresh = store._cache.get_client(write=True)
    assert fresh is not first and fresh.connection_pool is store._cache._pools[0]


def test_the_limit_holds_on_redis(world, monkeypatch, settings, redis_throttle):
    monkeypatch.setattr(services, "enqueue_analysis", lambda report_id: None)
    _assert_three_submissions_an_hour(monkeypatch, settings)
