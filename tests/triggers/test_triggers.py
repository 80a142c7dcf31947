"""Triggers' ``run()`` against the sandbox, as the triggerer drives it: an event loop, with the hook's
sync calls in worker threads and the connection read from the environment."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from airflow.sdk.module_loading import import_string

from airflow_provider_whatsapp.hooks.client import GatewayClient
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from airflow_provider_whatsapp.triggers.connection import MatonConnectionTrigger
from airflow_provider_whatsapp.triggers.template import WhatsAppTemplateStatusTrigger
from tests.airflow_fixtures import CONN_ENV

pytestmark = pytest.mark.usefixtures("maton_connection")


def first_event(
    trigger: Any, *, checked: Callable[[], Any] | None = None, then: Any = None, timeout: float = 30
) -> dict[str, Any]:
    """Run the trigger until its first event; once ``checked()`` says the trigger has checked at least
    once, assert it is still waiting and run ``then`` in a thread."""

    async def main() -> dict[str, Any]:
        run = asyncio.ensure_future(anext(trigger.run()))
        if then is not None:
            assert checked is not None
            async with asyncio.timeout(timeout):
                while not await asyncio.to_thread(checked):
                    await asyncio.sleep(0.05)
            assert not run.done()
            await asyncio.to_thread(then)
        event = await asyncio.wait_for(run, timeout)
        payload: dict[str, Any] = event.payload
        return payload

    return asyncio.run(main())


def test_serialize_round_trips_without_the_key(maton_connection: dict[str, Any]) -> None:
    trigger = WhatsAppTemplateStatusTrigger(
        maton_conn_id="maton_whatsapp_default", template_name="x", language="en_US", poke_interval=1
    )

    classpath, kwargs = trigger.serialize()

    assert kwargs == {
        "maton_conn_id": "maton_whatsapp_default",
        "hook_params": {},
        "poke_interval": 1,
        "timeout_at": None,
        "template_name": "x",
        "language": "en_US",
        "waba_id": None,
    }
    assert maton_connection["api_key"] not in repr(kwargs)
    assert import_string(classpath)(**kwargs).serialize() == (classpath, kwargs)


@pytest.mark.parametrize(("user_action", "state"), [("open the OAuth page", "done"), ("refuse", "failed")])
def test_connection_trigger_ends_with_the_oauth(
    sandbox_admin: SandboxAdminClient, user_action: str, state: str
) -> None:
    """Opening the OAuth page fires ``done`` with the connection id; a refused OAuth fires ``failed``."""
    created = MatonWhatsAppHook().create_maton_connection()
    trigger = MatonConnectionTrigger(
        maton_conn_id="maton_whatsapp_default", connection_id=created.connection_id, poke_interval=0.2
    )
    act = {
        "open the OAuth page": lambda: sandbox_admin.open_oauth_page({"url": created.url}),
        "refuse": lambda: sandbox_admin.fail_connection(created.connection_id),
    }[user_action]

    event = first_event(
        trigger, checked=lambda: sandbox_admin.requests_log(f"/connections/{created.connection_id}"), then=act
    )

    assert event["state"] == state
    if state == "done":
        assert event["value"] == created.connection_id
    else:
        assert "FAILED" in event["message"]


@pytest.mark.parametrize(
    ("name", "state", "says"),
    [("ready_now", "done", "APPROVED"), ("reject_this", "failed", "REJECTED, reason: INVALID_FORMAT")],
)
def test_template_trigger_waits_for_the_review(name: str, state: str, says: str) -> None:
    MatonWhatsAppHook().create_template(
        {
            "name": name,
            "language": "en_US",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Hi"}],
        }
    )
    trigger = WhatsAppTemplateStatusTrigger(
        maton_conn_id="maton_whatsapp_default", template_name=name, language="en_US", poke_interval=0.2
    )

    event = first_event(trigger)

    assert event["state"] == state
    assert says in event["message"]


def test_a_check_makes_no_retries_and_the_session_is_closed_at_the_end(
    maton_connection: dict[str, Any],
    sandbox_admin: SandboxAdminClient,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The triggerer's thread pool is shared: a busy gateway means "check again later", not a retry
    loop (with ``Retry-After`` sleeps) inside one check."""
    closed: list[GatewayClient] = []
    close = GatewayClient.close

    def recording_close(client: GatewayClient) -> None:
        closed.append(client)
        close(client)

    monkeypatch.setattr(GatewayClient, "close", recording_close)
    sandbox_admin.set_faults(script=["429"])
    trigger = MatonConnectionTrigger(
        maton_conn_id="maton_whatsapp_default",
        connection_id=maton_connection["connection_id"],
        poke_interval=0.1,
    )

    async def every_event() -> list[Any]:
        return [event async for event in trigger.run()]

    [event] = asyncio.run(every_event())

    assert event.payload["state"] == "done"
    assert "the gateway is busy, trying again" in "".join(
        capfd.readouterr()
    )  # the 429 came back as "waiting"
    assert len(sandbox_admin.requests_log(f"/connections/{maton_connection['connection_id']}")) == 2
    assert len(closed) == 1
    assert closed[0].config.max_retries == 0


def test_an_unreachable_gateway_waits_then_times_out_saying_where_it_tried(
    maton_connection: dict[str, Any], monkeypatch: pytest.MonkeyPatch, refused_url: str
) -> None:
    unreachable = {"conn_type": "maton_whatsapp", "host": refused_url, "password": "k"}
    monkeypatch.setenv(CONN_ENV, json.dumps(unreachable))
    trigger = MatonConnectionTrigger(
        maton_conn_id="maton_whatsapp_default", poke_interval=0.05, timeout_at=time.time() + 0.3
    )

    event = first_event(trigger)

    assert event["state"] == "timeout"
    assert (
        f"last check: GET /connections: gateway unreachable at {refused_url}/connections"
        in (event["message"])
    )
