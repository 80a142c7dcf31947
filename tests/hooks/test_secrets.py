"""The Maton key and recipients' numbers never reach logs, reprs or exceptions."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppAPIError
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

CUSTOMER = "+31612345789"


def test_failing_call_at_debug_leaks_neither_key_nor_number(
    hook: MatonWhatsAppHook,
    sandbox_admin: SandboxAdminClient,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sandbox_admin.set_faults(script=["500", "500", "500", "500"])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(WhatsAppAPIError) as caught:
        hook.send_text(CUSTOMER, "secret hello")  # outside the window, and the gateway fails too

    printed = capsys.readouterr()
    output = caplog.text + printed.out + printed.err + str(caught.value) + repr(caught.value)
    assert "urllib3" in caplog.text or "connectionpool" in caplog.text, "urllib3 DEBUG logs were captured"
    assert hook.config.api_key not in output
    assert "31612345789" not in output
    assert "+31******789" in output, "the recipient is logged, masked"


def test_reprs_hold_no_key(hook: MatonWhatsAppHook) -> None:
    key = hook.config.api_key
    assert key not in repr(hook)
    assert key not in repr(hook.config)
    assert key not in repr(hook.client)


def test_key_is_registered_with_airflows_secret_masker(hook: MatonWhatsAppHook) -> None:
    from airflow.sdk.log import redact

    key = hook.config.api_key
    assert key not in str(redact(f"Authorization: Bearer {key}"))
    assert key not in str(redact({"note": key}))


def test_number_echoed_by_the_gateway_is_masked_everywhere(
    hook: MatonWhatsAppHook,
    sandbox_admin: SandboxAdminClient,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The sandbox, like Graph, quotes the recipient in 131026's details; 429s are retried first."""
    undeliverable = "+31600000000"
    sandbox_admin.set_faults(script=["429"])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(WhatsAppAPIError) as caught:
        hook.send_template(undeliverable, "hello_world")

    printed = capsys.readouterr()
    output = caplog.text + printed.out + printed.err + str(caught.value) + repr(caught.value.details)
    assert caught.value.code == 131026
    assert "retry 1 of" in output, "the 429 was logged and retried"
    assert "31600000000" not in output
    assert "+31******000" in str(caught.value)
