"""One message of each type, as valid Cloud API bodies, sent over real HTTP: what the inbox tests render."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from .conftest import Client

CUSTOMER = "+31612345678"


def png(width: int = 64, height: int = 40) -> bytes:
    """A small green PNG, made here (no file from outside)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x25\xd3\x66" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload(client: Client, data: bytes, mime: str, filename: str) -> str:
    """Upload media; its id."""
    files = {"file": (filename, data, mime)}
    form = {"type": mime, "messaging_product": "whatsapp"}
    answer = client.gateway("POST", f"{client.phone_number_id}/media", files=files, data=form)
    assert answer.status_code == 200, answer.text
    media_id: str = answer.json()["id"]
    return media_id


def send_every_type(client: Client) -> dict[str, str]:
    """The customer writes first (opens the window), then one message of each type; wamids by name."""
    ids = {"inbound": client.inbound(CUSTOMER, "Hi, where is my order?")}
    image_id = upload(client, png(), "image/png", "chart.png")
    for name, body in every_type(ids["inbound"], image_id).items():
        answer = client.send(body, to=CUSTOMER)
        assert answer.status_code == 200, (name, answer.text)
        ids[name] = answer.json()["messages"][0]["id"]
    reaction = {"type": "reaction", "reaction": {"message_id": ids["inbound"], "emoji": "👍"}}
    assert client.send(reaction, to=CUSTOMER).status_code == 200
    mark_delivered(client, ids["text"])
    return ids


def mark_delivered(client: Client, wamid: str) -> None:
    delivered = client.admin("POST", f"messages/{wamid}/status", json={"status": "delivered"})
    assert delivered.status_code == 200


def every_type(inbound_id: str, image_id: str) -> dict[str, dict[str, Any]]:
    """One message of each type by name, in the Cloud API's shape; a reply quotes ``inbound_id``."""
    return {
        "text": {
            "type": "text",
            "text": {
                "body": "Your order is *on its way* _today_ ~maybe~ ```A-1042``` see https://example.com/track"
            },
        },
        "reply": {
            "type": "text",
            "context": {"message_id": inbound_id},
            "text": {"body": "Replying to you"},
        },
        "image": {"type": "image", "image": {"id": image_id, "caption": "Sales *chart*"}},
        "document": {
            "type": "document",
            "document": {
                "link": "https://example.com/r.pdf",
                "filename": "report.pdf",
                "caption": "April report",
            },
        },
        "video": {"type": "video", "video": {"link": "https://example.com/v.mp4", "caption": "Demo video"}},
        "audio": {"type": "audio", "audio": {"link": "https://example.com/a.ogg"}},
        "sticker": {"type": "sticker", "sticker": {"link": "https://example.com/s.webp"}},
        "location": {
            "type": "location",
            "location": {
                "latitude": 52.37,
                "longitude": 4.89,
                "name": "Pickup point Dam",
                "address": "Dam 1, Amsterdam",
            },
        },
        "contacts": {
            "type": "contacts",
            "contacts": [
                {
                    "name": {"formatted_name": "Ann Support", "first_name": "Ann"},
                    "phones": [{"phone": "+31 20 123 4567", "type": "WORK"}],
                }
            ],
        },
        "buttons": {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "Is the delivery time OK?"},
                "footer": {"text": "Tap one"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": "yes", "title": "Yes, fine"}},
                        {"type": "reply", "reply": {"id": "no", "title": "Change it"}},
                    ]
                },
            },
        },
        "list": {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "header": {"type": "text", "text": "Time slots"},
                "body": {"text": "Pick a slot"},
                "action": {
                    "button": "Show slots",
                    "sections": [
                        {
                            "title": "Tomorrow",
                            "rows": [
                                {"id": "am", "title": "Morning", "description": "8-12"},
                                {"id": "pm", "title": "Afternoon"},
                            ],
                        }
                    ],
                },
            },
        },
        "cta": {
            "type": "interactive",
            "interactive": {
                "type": "cta_url",
                "body": {"text": "Track it live"},
                "action": {
                    "name": "cta_url",
                    "parameters": {"display_text": "Open tracking", "url": "https://example.com/live"},
                },
            },
        },
        "template": {
            "type": "template",
            "template": {
                "name": "order_confirmation",
                "language": {"code": "en_US"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": "Alex"}, {"type": "text", "text": "A-1042"}],
                    }
                ],
            },
        },
        "named": {
            "type": "template",
            "template": {
                "name": "delivery_update",
                "language": {"code": "en_US"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "parameter_name": "first_name", "text": "Alex"},
                            {"type": "text", "parameter_name": "order_id", "text": "A-1042"},
                            {"type": "text", "parameter_name": "delivery_date", "text": "May 2"},
                        ],
                    }
                ],
            },
        },
    }
