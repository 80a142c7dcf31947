"""Ids become URL path segments: each is checked before a request carrying the key is built.

A recording server stands in for the gateway, so that "nothing was sent" means no request arrived at
all, whatever path it would have taken (``..`` would otherwise climb out of ``/whatsapp-business``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from tests.hooks.conftest import HookFactory
from tests.scripted_http import Answer, ScriptedHTTP

TO = "+31612345789"
HOSTILE = [
    "../../slack/api/chat.postMessage#",
    "x/../../../connections/abc#",
    "..",
    ".",
    "",
    "12%2F..",
    "1 2",
]


@pytest.fixture
def recorder() -> Iterator[ScriptedHTTP]:
    with ScriptedHTTP(lambda request: Answer.json({"success": True})) as server:
        yield server


CALLS: dict[str, Callable[[MatonWhatsAppHook, str], Any]] = {
    "phone_number_id": lambda hook, bad: hook.send_text(TO, "hi", phone_number_id=bad),
    "waba_id": lambda hook, bad: hook.delete_template("n", waba_id=bad),
    "hsm_id": lambda hook, bad: hook.delete_template("n", hsm_id=bad),
    "media_id": lambda hook, bad: hook.delete_media(bad),
    "template_id": lambda hook, bad: hook.get_template(bad),
    "connection_id": lambda hook, bad: hook.delete_maton_connection(bad),
}


@pytest.mark.parametrize("field", CALLS)
@pytest.mark.parametrize("bad", HOSTILE)
def test_a_hostile_id_is_refused_naming_its_field_and_nothing_is_sent(
    make_hook: HookFactory, recorder: ScriptedHTTP, field: str, bad: str
) -> None:
    hook = make_hook(host=recorder.url)
    with pytest.raises(WhatsAppValidationError) as caught:
        CALLS[field](hook, bad)
    assert [name for name, _ in caught.value.errors] == [field]
    assert recorder.seen == []


def test_ids_that_are_ids_go_through(make_hook: HookFactory, recorder: ScriptedHTTP) -> None:
    hook = make_hook(host=recorder.url)
    hook.delete_media("1234567890")
    hook.delete_template("n", hsm_id="987654321", waba_id="55555")
    hook.delete_maton_connection("6e2a57b8-32d0-4b7e-9a43-1a7b1c7e2f10")
    assert [r.path.split("?")[0] for r in recorder.seen] == [
        "/whatsapp-business/v21.0/1234567890",
        "/whatsapp-business/v21.0/55555/message_templates",
        "/connections/6e2a57b8-32d0-4b7e-9a43-1a7b1c7e2f10",
    ]
