"""The sandbox's clock: advancing it expires the 24-hour window, finishes reviews, and never goes back."""

from __future__ import annotations

from .conftest import FROZEN, REVIEW_DELAY, Client

TEXT = {"type": "text", "text": {"body": "Are you still there?"}}
DAY = 24 * 60 * 60


def test_the_window_closes_24_hours_after_the_customer_wrote(client: Client) -> None:
    client.inbound("+31612345678")
    client.advance(DAY - 1)
    assert client.send(TEXT).status_code == 200
    client.advance(2)  # 24 h + 1 s after the customer wrote
    refused = client.send(TEXT)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 131047
    client.inbound("+31612345678")  # writing again opens it again
    assert client.send(TEXT).status_code == 200


def test_templates_still_reach_a_customer_outside_the_window(client: Client) -> None:
    client.inbound("+31612345678")
    client.advance(DAY + 1)
    hello = {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}
    assert client.send(hello).status_code == 200


def test_a_review_finishes_when_the_clock_passes_its_delay(client: Client) -> None:
    body = {
        "name": "clocked",
        "language": "en_US",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Hello"}],
    }
    created = client.gateway("POST", f"{client.waba_id}/message_templates", json=body).json()
    client.advance(REVIEW_DELAY / 2)
    assert client.gateway("GET", created["id"]).json()["status"] == "PENDING"
    client.advance(REVIEW_DELAY / 2)
    assert client.gateway("GET", created["id"]).json()["status"] == "APPROVED"


def test_the_clock_reports_and_refuses_to_go_back(client: Client) -> None:
    before = client.admin("GET", "clock").json()
    assert before["timestamp"] >= FROZEN
    after = client.advance(60)
    assert after["timestamp"] == before["timestamp"] + 60
    assert after["offset_seconds"] == before["offset_seconds"] + 60
    for bad in (-1, "soon", None, True, 1e12):
        answer = client.admin("POST", "clock", json={"advance_seconds": bad})
        assert answer.status_code == 400, bad
    assert client.admin("GET", "clock").json()["timestamp"] == after["timestamp"]
    assert client.admin("POST", "clock", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_message_timestamps_follow_the_clock(client: Client) -> None:
    client.inbound()
    start = client.admin("GET", "clock").json()["timestamp"]
    client.advance(3600)
    client.send(TEXT)
    assert client.messages()[-1]["timestamp"] == start + 3600
