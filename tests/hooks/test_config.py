"""Reading gateway settings from an Airflow connection, and the client's pacing and header parsing."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from airflow.sdk import Connection

from airflow_provider_whatsapp.exceptions import MatonAuthError
from airflow_provider_whatsapp.hooks.config import GatewayConfig
from airflow_provider_whatsapp.hooks.transport import TokenBucket, parse_retry_after


def conn(**fields: object) -> Connection:
    return Connection(conn_id="maton", conn_type="maton_whatsapp", **fields)  # type: ignore[arg-type]


def test_defaults_point_at_maton(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATON_API_KEY", raising=False)
    config = GatewayConfig.from_connection(conn(password="k-123456"))
    assert config.gateway_url == "https://api.maton.ai/whatsapp-business/v21.0"
    assert config.control_url == "https://api.maton.ai"
    assert (config.timeout, config.max_retries, config.requests_per_second) == (30.0, 5, 10.0)


def test_legacy_hosts_keep_working() -> None:
    config = GatewayConfig.from_connection(conn(password="k-123456", host="https://gateway.maton.ai"))
    assert config.gateway_url == "https://gateway.maton.ai/whatsapp-business/v21.0"
    assert config.control_url == "https://ctrl.maton.ai"

    explicit = GatewayConfig.from_connection(
        conn(password="k-123456", host="gateway.maton.ai", extra='{"control_url": "https://ctrl.maton.ai/"}')
    )
    assert explicit.base_url == "https://gateway.maton.ai"
    assert explicit.control_url == "https://ctrl.maton.ai"


def test_extra_fields_and_host_with_port() -> None:
    config = GatewayConfig.from_connection(
        conn(
            password="k-123456",
            host="http://127.0.0.1",
            port=8765,
            extra='{"connection_id": "c1", "phone_number_id": 106540352242922, "api_version": "v23.0",'
            ' "timeout": "5", "max_retries": 0, "requests_per_second": ""}',
        )
    )
    assert config.gateway_url == "http://127.0.0.1:8765/whatsapp-business/v23.0"
    assert config.phone_number_id == "106540352242922"
    assert config.connection_id == "c1"
    assert (config.timeout, config.max_retries, config.requests_per_second) == (5.0, 0, 10.0)


def test_key_from_environment_and_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATON_API_KEY", "env-key-123")
    assert GatewayConfig.from_connection(conn()).api_key == "env-key-123"

    monkeypatch.delenv("MATON_API_KEY")
    with pytest.raises(MatonAuthError, match="MATON_API_KEY"):
        GatewayConfig.from_connection(conn())


def test_config_repr_hides_the_key() -> None:
    assert "k-secret-123" not in repr(GatewayConfig(api_key="k-secret-123"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0", 0.0), ("-5", 0.0), ("1.5", 1.5), ("99999", 300.0), ("soon", None), (None, None)],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_http_date() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    seconds = parse_retry_after(format_datetime(when, usegmt=True))
    assert seconds is not None
    assert 25 <= seconds <= 31


def test_token_bucket_paces_threads() -> None:
    bucket = TokenBucket(rate=50, burst=5)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            bucket.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 30 tokens at 50/s with a burst of 5: the last one cannot be granted before (30 - 5) / 50 s.
    assert len(stamps) == 30
    assert max(stamps) - start >= (30 - 5) / 50 * 0.95


def test_token_bucket_off() -> None:
    assert TokenBucket(rate=0).acquire() == 0.0
