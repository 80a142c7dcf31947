"""Fault injection, and what ``requests`` sees for each fault."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_whatsapp.sandbox import SandboxServer

from .conftest import Client, new_client

HELLO = {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}


def script(client: Client, *steps: str) -> None:
    answer = client.admin("PUT", "faults", json={"script": list(steps)})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("pooled", [True, False])
def test_drop_stores_nothing_and_lost_stores_the_message(client: Client, pooled: bool) -> None:
    if pooled:
        client.control("GET", "")  # a kept-alive connection is reused by the send
    script(client, "drop")
    with pytest.raises(requests.ConnectionError, match="RemoteDisconnected"):
        client.send(HELLO) if pooled else requests.post(
            f"{client.base_url}/whatsapp-business/v21.0/{client.phone_number_id}/messages",
            headers=client.auth,
            json={"messaging_product": "whatsapp", "to": "31612345678", **HELLO},
            timeout=10,
        )
    assert client.admin("GET", "messages/count").json() == {"count": 0}
    script(client, "lost")
    with pytest.raises(requests.ConnectionError, match="RemoteDisconnected"):
        client.send(HELLO)
    assert client.admin("GET", "messages/count").json() == {"count": 1}
    outcomes = [(e["outcome"], e["status"]) for e in client.admin("GET", "requests").json()["data"]][-2:]
    assert outcomes == [("drop", None), ("lost", 200)]
    assert client.send(HELLO).status_code == 200  # the script is used up


def test_error_answers(client: Client) -> None:
    script(client, "500", "502", "503", "429", "ok")
    first, second, third, fourth, fifth = (client.send(HELLO) for _ in range(5))
    assert first.status_code == 500
    assert first.json()["error"]["code"] == 1
    assert second.status_code == 502
    assert second.headers["content-type"].startswith("text/html")
    assert third.status_code == 503
    assert third.json()["error"]["code"] == 2
    assert fourth.status_code == 429
    assert fourth.headers["Retry-After"] == "1"
    assert fourth.json()["error"]["code"] == 80007
    assert fifth.status_code == 200
    assert client.admin("GET", "messages/count").json() == {"count": 1}


def test_slow_and_latency(client: Client) -> None:
    script(client, "slow:300")
    assert client.send(HELLO).status_code == 200
    client.admin("PUT", "faults", json={"latency_ms": 40})
    assert client.send(HELLO).status_code == 200
    delays = [entry["delay_ms"] for entry in client.admin("GET", "requests").json()["data"]]
    assert delays == [300.0, 40.0]
    client.admin("PUT", "faults", json={"latency_ms": 500})
    with pytest.raises(requests.ReadTimeout):
        client.send(HELLO, timeout=0.1)


def test_random_faults_follow_the_seed(client: Client) -> None:
    client.admin("PUT", "faults", json={"error_rate": 1.0, "seed": 7})
    statuses = [client.send(HELLO).status_code for _ in range(5)]
    assert set(statuses) <= {500, 502, 503}
    client.admin("PUT", "faults", json={"error_rate": 1.0, "seed": 7})
    assert [client.send(HELLO).status_code for _ in range(5)] == statuses


def test_faults_are_per_key_and_validated(client: Client, unlimited_sandbox: SandboxServer) -> None:
    script(client, "500")
    other = new_client(unlimited_sandbox.url)
    assert other.admin("GET", "faults").json()["script"] == []
    assert other.send(HELLO).status_code == 200, "another key's script does not touch this one"
    assert client.admin("GET", "faults").json()["script"] == ["500"]
    bad = client.admin("PUT", "faults", json={"script": ["explode"]})
    assert bad.status_code == 400
    assert client.admin("PUT", "faults", json={"drop_rate": 2}).status_code == 400
    assert client.admin("PUT", "faults", json={"latency_ms": 1e300}).status_code == 400, "it would hang"
    assert client.admin("PUT", "faults", json={"script": ["slow:99999999"]}).status_code == 400
    assert client.admin("GET", "health").status_code == 200  # admin requests consume no script step
    assert client.send(HELLO).status_code == 500


def test_every_outcome_is_counted_and_a_reset_starts_over(client: Client) -> None:
    script(client, "429", "500", "ok")
    for _ in range(3):
        client.control("GET", "")
    assert client.admin("GET", "requests/counts").json() == {
        "outcomes": {"429": 1, "500": 1, "ok": 1},
        "total": 3,
    }
    client.admin("POST", "reset")
    assert client.admin("GET", "requests/counts").json() == {"outcomes": {}, "total": 0}
