"""Triggers' ``run()`` against the sandbox, as the triggerer drives it: an event loop, with the hook's
sync calls in worker threads and the connection read from the environment."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests
from airflow.sdk._shared.module_loading import import_string

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.triggers.connection import MatonConnectionTrigger
from airflow_provider_whatsapp.triggers.template import WhatsAppTemplateStatusTrigger

pytestmark = pytest.mark.usefixtures("maton_connection")


def first_event(trigger: Any, *, while_waiting: Any = None, timeout: float = 30) -> dict[str, Any]:
    """Run the trigger until its first event; ``while_waiting`` runs in a thread once it started."""

    async def main() -> dict[str, Any]:
        run = asyncio.ensure_future(anext(trigger.run()))
        if while_waiting is not None:
            await asyncio.sleep(0.5)
            assert not run.done()
            await asyncio.to_thread(while_waiting)
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
        "poke_interval": 1,
        "template_name": "x",
        "language": "en_US",
    }
    assert maton_connection["api_key"] not in repr(kwargs)
    assert import_string(classpath)(**kwargs).serialize() == (classpath, kwargs)


def test_connection_trigger_fires_when_the_oauth_finishes() -> None:
    created = MatonWhatsAppHook().create_connection()
    trigger = MatonConnectionTrigger(
        maton_conn_id="maton_whatsapp_default", connection_id=created.connection_id, poke_interval=0.2
    )

    event = first_event(trigger, while_waiting=lambda: requests.get(str(created.url), timeout=10))

    assert event["state"] == "done"
    assert event["value"] == created.connection_id


def test_connection_trigger_fails_on_a_failed_connection(sandbox_admin: Any) -> None:
    created = MatonWhatsAppHook().create_connection()
    trigger = MatonConnectionTrigger(
        maton_conn_id="maton_whatsapp_default", connection_id=created.connection_id, poke_interval=0.2
    )

    event = first_event(
        trigger,
        while_waiting=lambda: sandbox_admin.call(
            "POST", f"/_sandbox/connections/{created.connection_id}/fail"
        ),
    )

    assert event["state"] == "failed"
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
