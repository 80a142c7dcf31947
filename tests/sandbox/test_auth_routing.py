"""Auth and connection routing like Maton's gateway, and per-key isolation."""

from __future__ import annotations

from typing import Any

import requests

from .conftest import Client, new_client

HELLO = {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}


def is_maton_error(answer: requests.Response) -> bool:
    error = answer.json()["error"]
    return error["type"] == "MatonError" and "code" not in error


def test_missing_and_unknown_keys_are_401(client: Client) -> None:
    url = f"{client.base_url}/whatsapp-business/v21.0/{client.phone_number_id}"
    missing = requests.get(url, timeout=10)
    unknown = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    control = requests.get(f"{client.base_url}/connections", headers={"Authorization": "Basic x"}, timeout=10)
    for answer in (missing, unknown, control):
        assert answer.status_code == 401
        assert is_maton_error(answer)


def test_no_active_connection_is_a_maton_400(unlimited_sandbox: Any) -> None:
    client = new_client(unlimited_sandbox.url, active_connection=False)
    answer = client.send(HELLO)
    assert answer.status_code == 400
    assert is_maton_error(answer)
    assert client.control("GET", "").status_code == 200  # the control plane needs no connection


def test_maton_connection_header_selects_or_refuses(client: Client) -> None:
    second = client.control("POST", "", json={"app": "whatsapp-business"}).json()["connection"]
    pending = client.send(HELLO, headers={"Maton-Connection": second["connection_id"]})
    assert pending.status_code == 400
    assert is_maton_error(pending)
    unknown = client.send(HELLO, headers={"Maton-Connection": "00000000-0000-0000-0000-000000000000"})
    assert unknown.status_code == 400
    assert is_maton_error(unknown)

    requests.get(second["url"], timeout=10)
    assert client.send(HELLO, headers={"Maton-Connection": second["connection_id"]}).status_code == 200
    assert client.send(HELLO).status_code == 200
    used = [message["connection_id"] for message in client.messages()]
    assert used == [second["connection_id"], client.connection_id]  # without the header: the oldest


def test_request_log_records_header_use_never_the_key(client: Client) -> None:
    client.send(HELLO, headers={"Maton-Connection": str(client.connection_id)})
    client.gateway("GET", client.phone_number_id)
    log = client.admin("GET", "requests").json()["data"]
    assert [(e["method"], e["status"], e["maton_connection"]) for e in log] == [
        ("POST", 200, True),
        ("GET", 200, False),
    ]
    assert client.api_key not in repr(log)


def test_keys_are_isolated(client: Client, unlimited_sandbox: Any) -> None:
    other = new_client(unlimited_sandbox.url)
    assert client.send(HELLO).status_code == 200
    assert other.messages() == []
    foreign = other.gateway("POST", f"{client.phone_number_id}/messages", json={})
    assert foreign.status_code == 400
    error = foreign.json()["error"]
    assert (error["code"], error["error_subcode"]) == (100, 33)
    assert error["fbtrace_id"]


def test_bad_version_and_unknown_path_are_graph_errors(client: Client) -> None:
    bad_version = client.session.get(
        f"{client.base_url}/whatsapp-business/21/{client.phone_number_id}", headers=client.auth, timeout=10
    )
    assert bad_version.status_code == 400
    assert bad_version.json()["error"]["code"] == 100
    unknown = client.gateway("GET", f"{client.phone_number_id}/no_such_edge")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == 100


def test_shared_fixture_key_is_ready(sandbox_key: dict[str, Any]) -> None:
    assert set(sandbox_key) == {
        "api_key",
        "connection_id",
        "waba_id",
        "phone_number_id",
        "display_phone_number",
        "base_url",
    }
    answer = requests.post(
        f"{sandbox_key['base_url']}/whatsapp-business/v21.0/{sandbox_key['phone_number_id']}/messages",
        headers={"Authorization": f"Bearer {sandbox_key['api_key']}"},
        json={"messaging_product": "whatsapp", "to": "1234567890", **HELLO},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["messages"][0]["message_status"] == "accepted"
