"""Phone numbers, business profile and Maton connections through the hook."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import MatonAuthError, MatonNoConnectionError, WhatsAppNotFoundError
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.hooks.conftest import HookFactory


def test_phone_numbers(hook: MatonWhatsAppHook, sandbox_key: dict[str, Any]) -> None:
    number = hook.get_phone_number()
    assert number.id == sandbox_key["phone_number_id"]
    assert number.display_phone_number == sandbox_key["display_phone_number"]
    assert [n.id for n in hook.list_phone_numbers()] == [sandbox_key["phone_number_id"]]


def test_business_profile_roundtrip(hook: MatonWhatsAppHook) -> None:
    assert (
        hook.update_business_profile(about="Data pipelines that talk", websites=["https://example.com"])
        is True
    )
    profile = hook.get_business_profile()
    assert profile.about == "Data pipelines that talk"
    assert profile.websites == ["https://example.com"]


def test_profile_limits_fail_locally(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    with pytest.raises(ValueError, match="about"):
        hook.update_business_profile(about="x" * 140)
    assert sandbox_admin.requests_log("/whatsapp_business_profile") == []


def test_connection_lifecycle(hook: MatonWhatsAppHook, sandbox_key: dict[str, Any]) -> None:
    (active,) = hook.list_maton_connections(status="ACTIVE")
    assert active.connection_id == sandbox_key["connection_id"]

    created = hook.create_maton_connection()
    assert created.status == "PENDING"
    assert created.url
    assert created.url not in repr(created)
    assert hook.get_maton_connection(created.connection_id).status == "PENDING"
    assert {c.connection_id for c in hook.list_maton_connections(status="PENDING")} == {created.connection_id}

    hook.delete_maton_connection(created.connection_id)
    with pytest.raises(WhatsAppNotFoundError):
        hook.get_maton_connection(created.connection_id)
    assert [c.connection_id for c in hook.list_maton_connections()] == [active.connection_id]
    with pytest.raises(WhatsAppNotFoundError):
        hook.delete_maton_connection(created.connection_id)


def test_maton_connection_header_selects_the_connection(
    make_hook: HookFactory, hook: MatonWhatsAppHook
) -> None:
    pending = hook.create_maton_connection()
    pinned = make_hook(connection_id=pending.connection_id)
    with pytest.raises(MatonNoConnectionError):
        pinned.send_template("+31612345789", "hello_world")

    unknown = make_hook(connection_id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(MatonNoConnectionError):
        unknown.get_phone_number()


def test_bad_key_is_an_auth_error(make_hook: HookFactory) -> None:
    hook = make_hook(api_key="not-a-real-key")
    with pytest.raises(MatonAuthError) as caught:
        hook.get_phone_number()
    assert caught.value.status == 401
    assert "not-a-real-key" not in str(caught.value)


def test_test_connection(hook: MatonWhatsAppHook, make_hook: HookFactory) -> None:
    ok, message = hook.test_connection()
    assert ok, message
    assert "sending as" in message

    bad_ok, bad_message = make_hook(api_key="wrong-key-123").test_connection()
    assert not bad_ok
    assert "401" in bad_message


def test_test_connection_names_what_is_missing(
    hook: MatonWhatsAppHook, make_hook: HookFactory, sandbox_key: dict[str, Any]
) -> None:
    pending = hook.create_maton_connection()
    ok, message = make_hook(connection_id=pending.connection_id).test_connection()
    assert (ok, message) == (False, f"Maton connection {pending.connection_id} is not ACTIVE.")

    ok, message = make_hook(phone_number_id=None).test_connection()
    assert (ok, message) == (True, "Connected: 1 ACTIVE whatsapp-business connection(s).")

    hook.delete_maton_connection(sandbox_key["connection_id"])
    ok, message = make_hook().test_connection()
    assert (ok, message) == (
        False,
        "The key works, but it has no ACTIVE whatsapp-business connection at Maton.",
    )
