"""Sends: every message type, the 24-hour window, undeliverable and unregistered numbers, read receipts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.maton_examples import MATON_EXAMPLES

from .conftest import Client

# The examples of Maton's reference text (recipient and phone number id aside).
# Every free-form example of Maton's reference, plus the types it does not show.
FREE_FORM_EXAMPLES: list[dict[str, Any]] = [
    *(example for example in MATON_EXAMPLES if example["type"] != "template"),
    {"type": "sticker", "sticker": {"link": "https://example.com/sticker.webp"}},
    {
        "type": "interactive",
        "interactive": {
            "type": "cta_url",
            "body": {"text": "See the offer"},
            "action": {
                "name": "cta_url",
                "parameters": {"display_text": "Open", "url": "https://example.com"},
            },
        },
    },
]
HELLO = {"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}


@pytest.mark.parametrize(
    "message", FREE_FORM_EXAMPLES, ids=lambda m: m.get("interactive", {}).get("type", m["type"])
)
def test_each_type_is_accepted_inside_the_window(client: Client, message: dict[str, Any]) -> None:
    client.inbound("+1 234 567 890")
    answer = client.send(message, to="1234567890")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "1234567890", "wa_id": "1234567890"}]
    assert body["messages"][0]["id"].startswith("wamid.")
    assert "message_status" not in body["messages"][0]
    stored = client.messages()
    assert stored[0]["body"]["type"] == message["type"]
    assert stored[0]["connection_id"] == client.connection_id


def test_reaction_and_reply_context(client: Client) -> None:
    inbound_id = client.inbound()
    reaction = client.send(
        {"type": "reaction", "reaction": {"message_id": inbound_id, "emoji": "\U0001f44d"}}
    )
    assert reaction.status_code == 200, reaction.text
    reply = client.send({"type": "text", "text": {"body": "thanks"}, "context": {"message_id": inbound_id}})
    assert reply.status_code == 200, reply.text
    stored = [message["body"] for message in client.messages()]
    assert [body["reaction"] for body in stored if body["type"] == "reaction"] == [
        {"message_id": inbound_id, "emoji": "\U0001f44d"}
    ]
    assert [body["context"] for body in stored if body["type"] == "text"] == [{"message_id": inbound_id}]


def test_window_blocks_free_form_until_the_customer_writes(client: Client) -> None:
    text = {"type": "text", "text": {"body": "hi"}}
    refused = client.send(text)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 131047
    assert client.send(HELLO).status_code == 200  # templates pass
    client.inbound("+31 6 12345678")
    assert client.send(text).status_code == 200
    assert client.admin("GET", "messages/count").json() == {"count": 2}


def test_template_answer_has_message_status(client: Client) -> None:
    assert client.send(HELLO).json()["messages"][0]["message_status"] == "accepted"


def test_undeliverable_and_unregistered(client: Client) -> None:
    undeliverable = client.send(HELLO, to="+15550000000")
    assert undeliverable.json()["error"]["code"] == 131026
    client.admin("POST", f"phone_numbers/{client.phone_number_id}/unregister")
    assert client.send(HELLO).json()["error"]["code"] == 133010
    assert client.gateway("GET", client.phone_number_id).json()["platform_type"] == "NOT_APPLICABLE"
    client.admin("POST", f"phone_numbers/{client.phone_number_id}/register")
    assert client.send(HELLO).status_code == 200
    assert client.messages()[0]["to"] == "+31612345678"


def test_mark_as_read_needs_a_received_message_id(client: Client) -> None:
    inbound_id = client.inbound()
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": inbound_id}
    answer = client.gateway("POST", f"{client.phone_number_id}/messages", json=read)
    assert answer.json() == {"success": True}
    unknown = client.gateway(
        "POST", f"{client.phone_number_id}/messages", json={**read, "message_id": "wamid.x"}
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == 100
    assert client.messages() == []


def test_sent_event_carries_the_tracker(client: Client) -> None:
    message_id = client.send({**HELLO, "biz_opaque_callback_data": "run-42"}).json()["messages"][0]["id"]
    events = client.admin("GET", "events").json()["data"]
    status = events[-1]["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert status == {
        "id": message_id,
        "status": "sent",
        "timestamp": status["timestamp"],
        "recipient_id": "31612345678",
        "biz_opaque_callback_data": "run-42",
    }
    assert client.messages()[0]["biz_opaque_callback_data"] == "run-42"


def test_inbound_event_is_webhook_shaped(client: Client) -> None:
    message_id = client.inbound("+31612345678", "hello there")
    event = client.admin("GET", "events").json()["data"][0]
    assert event["object"] == "whatsapp_business_account"
    entry = event["entry"][0]
    assert entry["id"] == client.waba_id
    value = entry["changes"][0]["value"]
    assert entry["changes"][0]["field"] == "messages"
    assert value["metadata"]["phone_number_id"] == client.phone_number_id
    assert value["contacts"][0]["wa_id"] == "31612345678"
    assert value["messages"][0] == {
        "from": "31612345678",
        "id": message_id,
        "timestamp": value["messages"][0]["timestamp"],
        "type": "text",
        "text": {"body": "hello there"},
    }


def test_broken_body_is_a_graph_error(client: Client) -> None:
    client.inbound()
    answer = client.send({"type": "text", "text": {}})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "OAuthException"
    assert isinstance(error["code"], int)
    assert "body" in error["error_data"]["details"]
    not_json = client.gateway("POST", f"{client.phone_number_id}/messages", data=b"{oops")
    assert not_json.json()["error"]["code"] == 100


def test_clear_and_reset(client: Client) -> None:
    client.send(HELLO)
    assert client.admin("DELETE", "messages").json() == {"success": True}
    assert client.admin("GET", "messages/count").json() == {"count": 0}
    client.inbound()
    client.admin("POST", "reset")
    assert client.send({"type": "text", "text": {"body": "hi"}}).json()["error"]["code"] == 131047
    assert client.admin("GET", "events").json()["data"] == []
