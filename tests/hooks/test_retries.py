"""Safe retries against injected faults: nothing lost, nothing sent twice."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppNetworkError,
    WhatsAppRateLimitError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
)
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.hooks.conftest import HookFactory
from tests.log_lines import assert_retry_logged

TEMPLATE = "hello_world"
CUSTOMER = "+31612345789"


def test_idempotent_get_retries_through_a_5xx_burst(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.set_faults(script=["500", "502", "503"])
    assert hook.get_phone_number().id
    assert len(sandbox_admin.requests_log(hook.phone_number_id)) == 4


def test_idempotent_get_retries_after_dropped_and_lost_connections(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.set_faults(script=["drop", "lost"])
    assert hook.get_phone_number().id


def test_429_honours_retry_after(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The retry waits the sandbox's ``Retry-After: 1``: the planned wait is logged, not timed."""
    sandbox_admin.set_faults(script=["429"])
    result = hook.send_template(CUSTOMER, TEMPLATE)

    assert result.message_id
    assert_retry_logged(
        caplog,
        f"POST /whatsapp-business/v21.0/{hook.phone_number_id}/messages failed "
        "(WhatsAppRateLimitError, HTTP 429, code 80007)",
    )
    assert "retry 1 of 3 in 1.00s" in caplog.text
    assert len(sandbox_admin.messages()) == 1


def test_send_is_not_retried_after_a_plain_500(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.set_faults(script=["500"])
    with pytest.raises(WhatsAppServerError) as caught:
        hook.send_template(CUSTOMER, TEMPLATE)
    assert caught.value.retryable is False
    assert len(sandbox_admin.requests_log("/messages")) == 1


def test_lost_response_is_an_unknown_outcome_and_not_resent(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.set_faults(script=["lost"])
    with pytest.raises(WhatsAppUnknownOutcomeError):
        hook.send_template(CUSTOMER, TEMPLATE)
    assert len(sandbox_admin.messages()) == 1, "the gateway stored it once; the hook must not send it again"


def test_dropped_send_is_an_unknown_outcome(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.set_faults(script=["drop"])
    with pytest.raises(WhatsAppUnknownOutcomeError):
        hook.send_template(CUSTOMER, TEMPLATE)
    assert sandbox_admin.messages() == []


def test_opt_in_retry_after_unknown_outcome(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox_admin.set_faults(script=["drop"])
    assert hook.send_template(CUSTOMER, TEMPLATE, retry_unknown_outcome=True).message_id
    assert len(sandbox_admin.messages()) == 1
    assert_retry_logged(
        caplog,
        f"POST /whatsapp-business/v21.0/{hook.phone_number_id}/messages failed (WhatsAppUnknownOutcomeError)",
    )


def test_connection_refused_is_retried_then_reported(
    make_hook: HookFactory, caplog: pytest.LogCaptureFixture, refused_url: str
) -> None:
    """Nothing can have been accepted when the connection was refused, so even a send is retried."""
    hook = make_hook(host=refused_url, max_retries=2)
    with pytest.raises(WhatsAppNetworkError, match="gateway unreachable at") as caught:
        hook.send_template(CUSTOMER, TEMPLATE)
    assert caught.value.url == f"{refused_url}/whatsapp-business/v21.0/{hook.phone_number_id}/messages"
    assert "nothing was sent" in str(caught.value)
    description = f"POST /whatsapp-business/v21.0/{hook.phone_number_id}/messages"
    unreachable = f"gateway unreachable at {caught.value.url} (ConnectionRefusedError); nothing was sent"
    failed = f"{description} failed ({unreachable})"
    assert_retry_logged(caplog, failed, "retry 1 of 2")
    assert_retry_logged(caplog, failed, "retry 2 of 2")


def test_rate_limited_burst_delivers_each_message_once(
    make_hook: HookFactory, sandbox_admin: SandboxAdminClient
) -> None:
    """Paced faster than the sandbox's 10 req/s, the hook still delivers every message exactly once."""
    hook = make_hook(requests_per_second=40, max_retries=8)
    results = [hook.send_template(CUSTOMER, TEMPLATE, biz_opaque_callback_data=f"m{i}") for i in range(25)]

    stored = sandbox_admin.messages()
    trackers = [m["body"]["biz_opaque_callback_data"] for m in stored]
    assert len({r.message_id for r in results}) == 25
    assert sorted(trackers) == sorted(f"m{i}" for i in range(25))
    assert any(r["status"] == 429 for r in sandbox_admin.requests_log("/messages")), (
        "the burst should have hit 429"
    )


def test_retries_stop_at_max_retries(make_hook: HookFactory, sandbox_admin: SandboxAdminClient) -> None:
    hook = make_hook(max_retries=2)
    sandbox_admin.set_faults(script=["429", "429", "429", "ok"])
    with pytest.raises(WhatsAppRateLimitError) as caught:
        hook.get_phone_number()
    assert caught.value.retry_after is not None
    requests_seen: list[dict[str, Any]] = sandbox_admin.requests_log(hook.phone_number_id)
    assert len(requests_seen) == 3


def test_a_connection_created_without_an_answer_is_not_created_again(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    """Control-plane writes follow the send policy: a lost answer is an unknown outcome, never repeated."""
    sandbox_admin.set_faults(script=["lost"])
    with pytest.raises(WhatsAppUnknownOutcomeError):
        hook.create_maton_connection()
    assert len(sandbox_admin.connections("PENDING")) == 1


def test_marking_as_read_is_idempotent_so_it_retries_through_a_5xx(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    inbound = sandbox_admin.inbound(CUSTOMER)
    sandbox_admin.set_faults(script=["500"])
    assert hook.mark_as_read(inbound) is True
    assert [r["method"] for r in sandbox_admin.requests_log("/messages")] == ["POST", "POST"]


def test_an_upload_whose_answer_was_lost_is_not_uploaded_again(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    """Only sends opt in to a retry after an unknown outcome: every other write leaves it to the caller."""
    sandbox_admin.set_faults(script=["lost"])
    with pytest.raises(WhatsAppUnknownOutcomeError) as caught:
        hook.upload_media(b"a,b\n", "text/csv", filename="a.csv")
    assert caught.value.retryable is False
    assert len(sandbox_admin.requests_log("/media")) == 1


def test_a_delete_is_idempotent_so_it_retries_through_a_5xx(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    media_id = hook.upload_media(b"a,b\n", "text/csv", filename="a.csv")
    sandbox_admin.set_faults(script=["500"])
    assert hook.delete_media(media_id) is True
    assert [r["method"] for r in sandbox_admin.requests_log(media_id)] == ["DELETE", "DELETE"]
