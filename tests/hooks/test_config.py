"""Reading gateway settings from an Airflow connection, and the client's pacing and header parsing."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from airflow.sdk import Connection

from airflow_provider_whatsapp.exceptions import (
    MatonAuthError,
    WhatsAppNetworkError,
    WhatsAppRateLimitError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.config import GatewayConfig, HookSettings
from airflow_provider_whatsapp.hooks.transport import TokenBucket, call_with_retries, parse_retry_after

CONNECTION_ID = "6e2a57b8-32d0-4b7e-9a43-1a7b1c7e2f10"


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
            extra=json.dumps(
                {
                    "connection_id": f" {CONNECTION_ID}",
                    "phone_number_id": 106540352242922,
                    "api_version": "v23.0",
                    "timeout": "5",
                    "max_retries": 0,
                    "requests_per_second": "",
                }
            ),
        )
    )
    assert config.gateway_url == "http://127.0.0.1:8765/whatsapp-business/v23.0"
    assert config.phone_number_id == "106540352242922"
    assert config.connection_id == CONNECTION_ID
    assert (config.timeout, config.max_retries, config.requests_per_second) == (5.0, 0, 10.0)


def test_key_from_environment_and_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATON_API_KEY", "env-key-123")
    assert GatewayConfig.from_connection(conn()).api_key == "env-key-123"

    monkeypatch.delenv("MATON_API_KEY")
    with pytest.raises(MatonAuthError, match="MATON_API_KEY"):
        GatewayConfig.from_connection(conn())


def test_the_key_is_stripped_and_control_characters_are_refused_without_quoting_it() -> None:
    assert GatewayConfig.from_connection(conn(password="  k-123456\n")).api_key == "k-123456"
    for broken in ("k-12\n3456", "k-12\r\n3456", "k-12\x003456", "k-12\x7f3456", "k-123\u00e9"):
        with pytest.raises(WhatsAppValidationError, match="password") as caught:
            GatewayConfig.from_connection(conn(password=broken))
        assert "123456" not in str(caught.value) + repr(caught.value.errors)
        assert "3456" not in str(caught.value)


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost", "example.com:443", "sandbox.local"])
def test_a_host_without_scheme_is_refused_naming_both_choices(host: str) -> None:
    with pytest.raises(WhatsAppValidationError, match=f"https://{host} or http://{host}"):
        GatewayConfig.from_connection(conn(password="k-123456", host=host))


@pytest.mark.parametrize(
    "host", ["ftp://example.com", "https://", "https://user:pw@example.com", "https://example.com/?x=1"]
)
def test_a_host_that_is_not_a_base_url_is_refused(host: str) -> None:
    with pytest.raises(WhatsAppValidationError, match="host"):
        GatewayConfig.from_connection(conn(password="k-123456", host=host))


def test_maton_hosts_may_omit_the_scheme() -> None:
    assert GatewayConfig.from_connection(conn(password="k", host="api.maton.ai")).base_url == (
        "https://api.maton.ai"
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"phone_number_id": "../../slack/api/chat.postMessage#"}, "phone_number_id"),
        ({"waba_id": "x/../../../connections/abc#"}, "waba_id"),
        ({"waba_id": ".."}, "waba_id"),
        ({"connection_id": "../"}, "connection_id"),
        ({"connection_id": "c1"}, "connection_id"),
        ({"api_version": "v21.0/../../slack"}, "api_version"),
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_ids_and_limits_of_the_connection_are_checked_when_read(extra: dict[str, object], field: str) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        GatewayConfig.from_connection(conn(password="k-123456", extra=json.dumps(extra)))
    assert [name for name, _ in caught.value.errors] == [field]


def test_hook_settings_win_over_the_connection_and_are_checked_too() -> None:
    extra = json.dumps({"phone_number_id": "111111111111111", "timeout": 30, "max_retries": 5})
    settings = HookSettings(phone_number_id="222222222222222", timeout=2.5, max_retries=None)
    config = GatewayConfig.from_connection(conn(password="k-123456", extra=extra), settings)
    assert (config.phone_number_id, config.timeout, config.max_retries) == ("222222222222222", 2.5, 5)

    with pytest.raises(WhatsAppValidationError, match="phone_number_id"):
        GatewayConfig.from_connection(conn(password="k"), HookSettings(phone_number_id="../x"))


def test_config_repr_hides_the_key() -> None:
    assert "k-secret-123" not in repr(GatewayConfig(api_key="k-secret-123"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0", 0.0), ("-5", 0.0), ("1.5", 1.5), ("99999", 300.0), ("soon", None), (None, None)],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_http_date() -> None:
    """An HTTP date counts from the moment it is read: bracketed by the clock before and after."""
    when = int(time.time()) + 30
    before = time.time()
    seconds = parse_retry_after(format_datetime(datetime.fromtimestamp(when, UTC), usegmt=True))
    after = time.time()
    assert seconds is not None
    assert when - after <= seconds <= when - before


def test_token_bucket_paces_threads() -> None:
    """30 tokens at 50/s with a burst of 5, taken by 3 threads on a clock that stands still: the burst
    goes at once and each later token waits 1/50 s more than the one before, whichever thread takes it."""
    waits: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    bucket = TokenBucket(rate=50, burst=5, clock=lambda: 1000.0, sleep=sleep)
    granted: list[float] = []

    def worker() -> None:
        for _ in range(10):
            wait = bucket.acquire()
            with lock:
                granted.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    expected = [pytest.approx(k / 50) for k in range(1, 26)]
    assert sorted(waits) == expected
    assert sorted(granted) == [0.0] * 5 + expected


def test_token_bucket_off() -> None:
    assert TokenBucket(rate=0).acquire() == 0.0


def test_a_429_halves_the_rate_down_to_a_tenth_and_successes_bring_it_back() -> None:
    """At 1 request/s on a virtual clock: each wait is the current rate's interval."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(rate=1, clock=lambda: now[0], sleep=sleep)
    assert bucket.acquire() == 0.0, "the burst of one"
    bucket.slow_down()
    assert bucket.rate == 0.5
    assert bucket.acquire() == pytest.approx(2.0)
    for _ in range(5):
        bucket.slow_down()
    assert bucket.rate == pytest.approx(0.1), "never below a tenth"
    assert bucket.acquire() == pytest.approx(10.0)
    for _ in range(17):
        bucket.speed_up()
    assert bucket.rate == pytest.approx(0.95)
    bucket.speed_up()
    bucket.speed_up()
    assert bucket.rate == 1.0, "never above the configured rate"
    assert bucket.acquire() == pytest.approx(1.0)


def test_a_429_gives_up_the_saved_burst() -> None:
    """A full bucket would let four requests out at once into the limit that just refused one."""
    bucket = TokenBucket(rate=4, burst=4, clock=lambda: 0.0, sleep=lambda seconds: None)
    bucket.slow_down()
    assert bucket.acquire() == pytest.approx(0.5), "the next request waits its turn at the halved rate"


def test_an_unlimited_bucket_stays_unlimited_after_a_429() -> None:
    bucket = TokenBucket(rate=0)
    bucket.slow_down()
    assert (bucket.rate, bucket.acquire()) == (0, 0.0)


class Flaky:
    """Fails with ``error`` ``times`` times, then answers."""

    def __init__(self, error: Exception, times: int) -> None:
        self.error, self.left = error, times

    def __call__(self) -> str:
        if self.left:
            self.left -= 1
            raise self.error
        return "answer"


@pytest.fixture
def highest_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full jitter picks a wait in ``[0, backoff]``: take the top, so the waits show the backoff itself."""
    monkeypatch.setattr(random, "uniform", lambda low, high: high)  # what tenacity draws from


@pytest.mark.usefixtures("highest_jitter")
def test_the_backoff_doubles_from_half_a_second_up_to_30_seconds() -> None:
    waits: list[float] = []
    unreachable = WhatsAppNetworkError("gateway unreachable", url="http://x")
    flaky = Flaky(unreachable, times=8)
    assert call_with_retries(flaky, max_retries=8, description="GET x", sleep=waits.append) == "answer"
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


@pytest.mark.usefixtures("highest_jitter")
@pytest.mark.parametrize(
    ("retry_after", "waits"), [(3.0, [3.0, 3.0, 3.0]), (0.2, [0.5, 1.0, 1.0]), (0.0, [0.5, 1.0, 1.0])]
)
def test_retry_after_is_the_least_wait(retry_after: float, waits: list[float]) -> None:
    """Never sooner than the server asked; when it asks for less than a second, the backoff still
    spaces the retries, up to one second (the server said it is ready by then)."""
    slept: list[float] = []
    busy = WhatsAppRateLimitError("busy", status=429, retry_after=retry_after, retryable=True)
    assert call_with_retries(Flaky(busy, times=3), max_retries=3, description="GET x", sleep=slept.append)
    assert slept == waits
