"""The per-key token bucket: 429 with Retry-After and Graph's 80007 under a concurrent burst."""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from airflow_provider_whatsapp.sandbox.ratelimit import TokenBucket, retry_after_seconds


def test_concurrent_burst_gets_429_with_retry_after(sandbox_key: dict[str, Any]) -> None:
    url = f"{sandbox_key['base_url']}/whatsapp-business/v21.0/{sandbox_key['phone_number_id']}"
    headers = {"Authorization": f"Bearer {sandbox_key['api_key']}"}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: requests.get(url, headers=headers, timeout=10), range(30)))
    refilled = math.ceil((time.monotonic() - started) * 10)  # 10 tokens/s come back during the burst
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) == {200, 429}
    assert 10 <= statuses.count(200) <= 10 + refilled  # the burst of 10, plus what refilled meanwhile
    for answer in answers:
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1
            error = answer.json()["error"]
            assert (error["code"], error["type"]) == (80007, "OAuthException")
    admin = requests.get(f"{sandbox_key['base_url']}/_sandbox/requests", headers=headers, timeout=10)
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
