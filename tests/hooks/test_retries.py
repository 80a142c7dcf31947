"""Safe retries against injected faults: nothing lost, nothing sent twice."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppRateLimitError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
)
from airflow_provider_whatsapp.hooks import MatonWhatsAppHook
from tests.hooks.conftest import HookFactory, SandboxAdmin

TEMPLATE = "hello_world"
CUSTOMER = "+31612345789"


def test_idempotent_get_retries_through_a_5xx_burst(hook: MatonWhatsAppHook, admin: SandboxAdmin) -> None:
    admin.faults(script=["500", "502", "503"])
    assert hook.get_phone_number().id
    assert len(admin.sent_requests(hook.phone_number_id)) == 4


def test_idempotent_get_retries_after_dropped_and_lost_connections(
    hook: MatonWhatsAppHook, admin: SandboxAdmin
) -> None:
    admin.faults(script=["drop", "lost"])
    assert hook.get_phone_number().id


def test_429_honours_retry_after(hook: MatonWhatsAppHook, admin: SandboxAdmin) -> None:
    admin.faults(script=["429"])
    started = time.monotonic()
    result = hook.send_template(CUSTOMER, TEMPLATE)
    elapsed = time.monotonic() - started

    assert result.message_id
    assert elapsed >= 1.0, "Retry-After: 1 must be waited out"
    assert len(admin.messages()) == 1


def test_send_is_not_retried_after_a_plain_500(hook: MatonWhatsAppHook, admin: SandboxAdmin) -> None:
    admin.faults(script=["500"])
    with pytest.raises(WhatsAppServerError) as caught:
        hook.send_template(CUSTOMER, TEMPLATE)
    assert caught.value.retryable is False
    assert len(admin.sent_requests("/messages")) == 1


def test_lost_response_is_an_unknown_outcome_and_not_resent(
    hook: MatonWhatsAppHook, admin: SandboxAdmin
) -> None:
    admin.faults(script=["lost"])
    with pytest.raises(WhatsAppUnknownOutcomeError):
        hook.send_template(CUSTOMER, TEMPLATE)
    assert len(admin.messages()) == 1, "the gateway stored it once; the hook must not send it again"


def test_dropped_send_is_an_unknown_outcome(hook: MatonWhatsAppHook, admin: SandboxAdmin) -> None:
    admin.faults(script=["drop"])
    with pytest.raises(WhatsAppUnknownOutcomeError):
        hook.send_template(CUSTOMER, TEMPLATE)
    assert admin.messages() == []


def test_opt_in_retry_after_unknown_outcome(hook: MatonWhatsAppHook, admin: SandboxAdmin) -> None:
    admin.faults(script=["drop"])
    assert hook.send_template(CUSTOMER, TEMPLATE, retry_unknown_outcome=True).message_id
    assert len(admin.messages()) == 1


def test_connection_refused_is_retried_then_reported(make_hook: HookFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    hook = make_hook(host=f"http://127.0.0.1:{closed_port}", max_retries=1)
    with pytest.raises(WhatsAppServerError, match="could not reach"):
        hook.send_template(CUSTOMER, TEMPLATE)


def test_rate_limited_burst_delivers_each_message_once(make_hook: HookFactory, admin: SandboxAdmin) -> None:
    """Paced faster than the sandbox's 10 req/s, the hook still delivers every message exactly once."""
    hook = make_hook(requests_per_second=40, max_retries=8)
    results = [hook.send_template(CUSTOMER, TEMPLATE, biz_opaque_callback_data=f"m{i}") for i in range(25)]

    stored = admin.messages()
    trackers = [m["body"]["biz_opaque_callback_data"] for m in stored]
    assert len({r.message_id for r in results}) == 25
    assert sorted(trackers) == sorted(f"m{i}" for i in range(25))
    assert any(r["status"] == 429 for r in admin.sent_requests("/messages")), "the burst should have hit 429"


def test_retries_stop_at_max_retries(make_hook: HookFactory, admin: SandboxAdmin) -> None:
    hook = make_hook(max_retries=2)
    admin.faults(script=["429", "429", "429", "ok"])
    with pytest.raises(WhatsAppRateLimitError) as caught:
        hook.get_phone_number()
    assert caught.value.retry_after is not None
    requests_seen: list[dict[str, Any]] = admin.sent_requests(hook.phone_number_id)
    assert len(requests_seen) == 3
