"""Maton's control plane: connection lifecycle, filters, activation by url or delay, FAILED, delete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer

from .conftest import REVIEW_DELAY, Client, frozen_clock, new_client


def test_create_is_pending_until_url_is_opened(client: Client) -> None:
    created = client.control("POST", "", json={"app": "whatsapp-business"})
    assert created.status_code == 200
    connection = created.json()["connection"]
    assert connection["status"] == "PENDING"
    assert connection["app"] == "whatsapp-business"
    assert connection["method"] == "OAUTH2"
    assert connection["metadata"] == {}
    assert connection["creation_time"].endswith("Z")
    assert connection["url"] == f"{client.base_url}/_sandbox/connect/{connection['connection_id']}"

    page = requests.get(connection["url"], timeout=10)
    assert page.status_code == 200
    assert "connected" in page.text.lower()
    fetched = client.control("GET", f"/{connection['connection_id']}").json()["connection"]
    assert fetched["status"] == "ACTIVE"


def test_list_filters_by_app_and_status(client: Client) -> None:
    client.control("POST", "", json={"app": "whatsapp-business"})
    client.control("POST", "", json={"app": "google-mail"})
    everything = client.control("GET", "").json()["connections"]
    assert len(everything) == 3
    active = client.control("GET", "", params={"app": "whatsapp-business", "status": "ACTIVE"}).json()
    assert [c["connection_id"] for c in active["connections"]] == [client.connection_id]
    pending = client.control("GET", "", params={"status": "PENDING"}).json()["connections"]
    assert {c["app"] for c in pending} == {"whatsapp-business", "google-mail"}


def test_fail_and_delete(client: Client) -> None:
    assert client.admin("POST", f"connections/{client.connection_id}/fail").status_code == 200
    assert client.control("GET", f"/{client.connection_id}").json()["connection"]["status"] == "FAILED"
    assert client.control("DELETE", f"/{client.connection_id}").json() == {"success": True}
    gone = client.control("GET", f"/{client.connection_id}")
    assert gone.status_code == 404
    assert gone.json()["error"]["type"] == "MatonError"


def test_create_without_app_is_a_maton_400(client: Client) -> None:
    answer = client.control("POST", "", json={})
    assert answer.status_code == 400
    assert "code" not in answer.json()["error"]


@pytest.fixture(scope="module")
def delayed_sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(activation_delay=REVIEW_DELAY, rate_limit=0, clock=frozen_clock)
    with SandboxServer(config) as server:
        yield server


def test_activation_delay(delayed_sandbox: SandboxServer) -> None:
    client = new_client(delayed_sandbox.url, active_connection=False)
    connection = client.control("POST", "", json={"app": "whatsapp-business"}).json()["connection"]
    assert connection["status"] == "PENDING"
    assert (
        client.send(
            {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
        ).status_code
        == 400
    )
    path = f"/{connection['connection_id']}"
    client.advance(REVIEW_DELAY - 0.01)
    assert client.control("GET", path).json()["connection"]["status"] == "PENDING"
    client.advance(0.01)
    assert client.control("GET", path).json()["connection"]["status"] == "ACTIVE"
    assert (
        client.send(
            {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
        ).status_code
        == 200
    )
