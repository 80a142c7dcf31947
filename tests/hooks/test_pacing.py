"""The hook paces itself at ``requests_per_second``: every request takes a token from the client's bucket.

The bucket runs on a clock that moves only when the bucket sleeps, so the test reads how long the hook
would have waited instead of timing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from airflow_provider_whatsapp.hooks.transport import TokenBucket
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.hooks.conftest import HookFactory

CUSTOMER = "+31612345789"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """The hooks' sandbox without its own rate limit or window: only the hook's pace is measured."""
    with SandboxServer(SandboxConfig(rate_limit=0, enforce_window=False)) as server:
        yield server


@dataclass
class VirtualTime:
    """A clock that stands still until something sleeps on it; it keeps every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def paced_on(hook: MatonWhatsAppHook, time: VirtualTime) -> TokenBucket:
    """Give the hook's client a bucket of the same rate and burst that runs on ``time``."""
    client = hook.get_conn()
    bucket = TokenBucket(client.bucket.target, client.bucket.capacity, clock=time.clock, sleep=time.sleep)
    client.bucket = bucket
    return bucket


def test_each_request_takes_a_token_at_the_configured_rate(
    make_hook: HookFactory, sandbox_admin: SandboxAdminClient
) -> None:
    """At 4 requests/s (burst 4), 10 sends go out over 1.5 s: four at once, then one every 0.25 s."""
    hook = make_hook(requests_per_second=4)
    time = VirtualTime()
    bucket = paced_on(hook, time)
    assert (bucket.target, bucket.capacity) == (4, 4)

    for _ in range(10):
        hook.send_text(CUSTOMER, "paced")

    assert time.sleeps == [pytest.approx(0.25)] * 6
    assert time.now == pytest.approx(1001.5)
    assert len(sandbox_admin.messages()) == 10


def test_reads_are_paced_like_sends(make_hook: HookFactory) -> None:
    hook = make_hook(requests_per_second=1)
    time = VirtualTime()
    paced_on(hook, time)
    for _ in range(3):
        hook.get_phone_number()
    assert time.sleeps == [pytest.approx(1.0)] * 2


def test_a_429_halves_the_pace_and_successes_win_it_back(
    make_hook: HookFactory, sandbox_admin: SandboxAdminClient
) -> None:
    hook = make_hook(requests_per_second=4, max_retries=2)
    bucket = paced_on(hook, VirtualTime())
    sandbox_admin.set_faults(script=["429"])
    hook.send_text(CUSTOMER, "after a 429")
    assert bucket.rate == pytest.approx(2.0 + 4 * TokenBucket.STEP), "halved, then one success back"
    for _ in range(30):
        hook.get_phone_number()
    assert bucket.rate == 4


def test_no_pace_when_requests_per_second_is_0(hook: MatonWhatsAppHook) -> None:
    time = VirtualTime()
    paced_on(hook, time)
    for _ in range(20):
        hook.get_phone_number()
    assert time.sleeps == []
