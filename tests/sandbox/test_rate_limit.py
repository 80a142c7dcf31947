"""The per-key token bucket: 429 with Retry-After and Graph's 80007 under a concurrent burst."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient, retry_after
from airflow_provider_whatsapp.sandbox.ratelimit import TokenBucket, retry_after_seconds


@pytest.fixture(scope="module")
def slow_bucket() -> Iterator[SandboxServer]:
    """A server whose buckets refill one token per 1000 s: a burst sees exactly its 10 tokens."""
    with SandboxServer(SandboxConfig(rate_limit=0.001, burst=10)) as server:
        yield server


def test_concurrent_burst_gets_429_with_retry_after(slow_bucket: SandboxServer) -> None:
    sandbox_key = requests.post(f"{slow_bucket.url}/_sandbox/keys", json={}, timeout=10).json()
    url = f"{slow_bucket.url}/whatsapp-business/v21.0/{sandbox_key['phone_number_id']}"
    headers = {"Authorization": f"Bearer {sandbox_key['api_key']}"}
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: requests.get(url, headers=headers, timeout=10), range(30)))
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 10
    assert statuses.count(429) == 20
    for answer in answers:
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1
            error = answer.json()["error"]
            assert (error["code"], error["type"]) == (80007, "OAuthException")
    admin = requests.get(f"{slow_bucket.url}/_sandbox/requests", headers=headers, timeout=10)
    assert admin.status_code == 200  # the admin API is not rate limited


def test_bucket_is_exact_under_threads() -> None:
    bucket = TokenBucket(rate=0.001, burst=50)
    granted: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        wait = bucket.take()
        with lock:
            granted.append(wait)

    threads = [threading.Thread(target=take) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(0.0) == 50


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.2) == 2


def test_the_admin_client_waits_out_the_keys_rate_limit() -> None:
    """A scenario's own gateway calls share the key's limit with the sends under test: a 429 is waited
    out for its Retry-After, not raised."""
    with SandboxServer(SandboxConfig(rate_limit=20, burst=1)) as server:
        admin = SandboxAdminClient.new_key(server.url)
        path = f"/whatsapp-business/v21.0/{admin.ids['phone_number_id']}"
        answers = [admin.call("GET", path) for _ in range(2)]
        statuses = [record["status"] for record in admin.requests_log(admin.ids["phone_number_id"])]
    assert [answer["id"] for answer in answers] == [admin.ids["phone_number_id"]] * 2
    assert statuses.count(429) >= 1, "the second call met the limit"
    assert statuses[-1] == 200


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, 1.0), ("2", 2.0), ("0.5", 0.5), ("-3", 0.0), ("86400", 5.0), ("nan", 1.0), ("soon", 1.0)],
)
def test_a_retry_after_is_read_within_bounds(header: str | None, seconds: float) -> None:
    assert retry_after(header) == seconds
