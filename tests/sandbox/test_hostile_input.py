"""Bad input is a client error, never a 500: on every route that takes a JSON body, deep nesting, lone
surrogates, non-finite numbers and bytes that are not UTF-8 answer 400 in Graph's shape; and one stored
record that cannot be encoded does not break the lists or the inbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from airflow_provider_whatsapp.sandbox import SandboxServer

from .conftest import Client

DEEP = b'{"messaging_product": "whatsapp", "to": "1", "type": "text", "text": {"body": ' + b"[" * 100_000
NESTED_40 = b'{"a": ' + b"[" * 40 + b"1" + b"]" * 40 + b"}"
SURROGATE = (
    b'{"messaging_product": "whatsapp", "to": "31612345678", "type": "text", "text": {"body": "\\ud800"}}'
)
SURROGATE_KEY = b'{"\\udfff": 1}'
BAD_BODIES = {
    "deeply nested (parser recursion)": DEEP,
    "nested deeper than 32": NESTED_40,
    "lone surrogate": SURROGATE,
    "lone surrogate in a key": SURROGATE_KEY,
    "NaN": b'{"a": NaN}',
    "Infinity": b'{"a": -Infinity}',
    "1e400": b'{"a": 1e400}',
    "not UTF-8": b'{"a": "\xff\xfe"}',
}


def routes(client: Client) -> dict[str, Callable[[bytes], requests.Response]]:
    """Every route that takes a JSON body, gateway and admin, sending raw bytes."""
    headers = {"Content-Type": "application/json"}

    def gateway(method: str, path: str) -> Callable[[bytes], requests.Response]:
        return lambda data: client.gateway(method, path, data=data, headers=headers)

    def admin(method: str, path: str) -> Callable[[bytes], requests.Response]:
        return lambda data: client.admin(method, path, data=data, headers=headers)

    template_id = client.gateway("GET", f"{client.waba_id}/message_templates").json()["data"][0]["id"]
    return {
        "messages": gateway("POST", f"{client.phone_number_id}/messages"),
        "template create": gateway("POST", f"{client.waba_id}/message_templates"),
        "template edit": gateway("POST", template_id),
        "business profile": gateway("POST", f"{client.phone_number_id}/whatsapp_business_profile"),
        "inbound": admin("POST", "inbound"),
        "faults": admin("PUT", "faults"),
        "clock": admin("POST", "clock"),
        "template category": admin("POST", f"templates/{template_id}/category"),
        "keys": lambda data: client.session.post(
            f"{client.base_url}/_sandbox/keys", data=data, headers=headers, timeout=10
        ),
    }


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
def test_bad_bodies_are_graph_400s_everywhere(client: Client, kind: str) -> None:
    for route, post in routes(client).items():
        answer = post(BAD_BODIES[kind])
        assert answer.status_code == 400, (route, answer.text)
        error = answer.json()["error"]
        assert (error["code"], error["type"]) == (100, "OAuthException"), route
        assert error["error_data"]["details"], route
    assert client.messages() == []


def test_the_control_plane_refuses_them_in_its_own_shape(client: Client) -> None:
    for data in BAD_BODIES.values():
        answer = client.control("POST", "", data=data, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400
        assert answer.json()["error"]["type"] == "MatonError"


def test_a_legitimately_deep_body_still_passes(client: Client) -> None:
    client.inbound()
    rows = [{"id": f"r{i}", "title": f"Row {i}"} for i in range(3)]
    interactive = {
        "type": "list",
        "body": {"text": "Pick one"},
        "action": {"button": "Options", "sections": [{"title": "All", "rows": rows}]},
    }
    assert client.send({"type": "interactive", "interactive": interactive}).status_code == 200


def test_one_bad_stored_record_breaks_neither_lists_nor_inbox(
    unlimited_sandbox: SandboxServer, client: Client
) -> None:
    client.inbound()
    assert client.send({"type": "text", "text": {"body": "fine"}}).status_code == 200
    key = unlimited_sandbox.app.sandbox.keys[client.api_key]
    bad = dict(key.messages[-1], id="wamid.bad", body={"type": "text", "text": {"body": "\ud800"}})
    bad["wa_id"] = key.messages[-1]["wa_id"]
    key.messages.append(bad)
    key.index(bad)
    key.events.append({"bad": float("nan")})
    listed = client.admin("GET", "messages")
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert data[0]["body"]["text"]["body"] == "fine"
    assert data[1] == {"id": "wamid.bad", "error": "this stored record cannot be shown as JSON"}
    assert client.admin("GET", "events").status_code == 200
    page = client.session.get(f"{client.base_url}/", params={"key": client.api_key, "chat": bad["wa_id"]})
    assert page.status_code == 200
    assert "fine" in page.text
