"""The admin API's view of conversations: stored messages and events, simulated customers, statuses.

Lists answer every stored record that can be encoded and a short note in place of one that cannot,
so one bad record never breaks them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..bodies import answerable
from ..customers import CustomerError, customer_message
from ..errors import PlainError
from ..inbox.templates_text import filled_template
from ..records import digits
from ..state import KeyState
from .admin import admin_body, admin_key

router = APIRouter(prefix="/_sandbox")

STATUSES = ("delivered", "read", "failed")


def filter_to(messages: list[dict[str, Any]], to: str | None) -> list[dict[str, Any]]:
    """Messages to the number ``to`` (compared by digits), or all."""
    if to is None:
        return messages
    wanted = digits(to)
    return [message for message in messages if message.get("wa_id") == wanted]


def with_template_text(key: KeyState, record: dict[str, Any]) -> dict[str, Any]:
    """A template message with ``template_text``: what its recipient reads, parameters filled in."""
    if record.get("type") != "template":
        return record
    send = (record.get("body") or {}).get("template") or {}
    template = key.find_template(send.get("name"), (send.get("language") or {}).get("code"))
    if template is None:
        return record
    filled = filled_template(template, send)
    header = (filled["header"] or {}).get("text", "")
    lines = [header, filled["body"], filled["footer"]]
    return {**record, "template_text": "\n".join(line for line in lines if line)}


@router.get("/messages")
async def list_messages(request: Request, to: str | None = None) -> JSONResponse:
    """Stored messages, oldest first: ``{"data": [{"id", "to", "wa_id", "type", "body", "status", ...}]}``;
    template messages also carry ``template_text``, the template as read with its parameters."""
    key = admin_key(request)
    return JSONResponse(
        {"data": answerable([with_template_text(key, m) for m in filter_to(key.messages, to)])}
    )


@router.get("/messages/count")
async def count_messages(request: Request, to: str | None = None) -> JSONResponse:
    """``{"count": n}`` of stored messages (to ``to``)."""
    return JSONResponse({"count": len(filter_to(admin_key(request).messages, to))})


@router.delete("/messages")
async def delete_messages(request: Request) -> JSONResponse:
    """Forget the stored messages (sent and received) and events."""
    admin_key(request).clear_messages()
    return JSONResponse({"success": True})


@router.post("/messages/{message_id}/status")
async def set_message_status(request: Request, message_id: str) -> JSONResponse:
    """``{"status": "delivered" | "read" | "failed"}`` for a sent message, with its status webhook event;
    a status never goes back (a read message is not delivered again)."""
    key = admin_key(request)
    record = key.by_id.get(message_id)
    if record is None or "message" in record:
        raise PlainError(404, f"Message {message_id} is not a message this key sent")
    status = (await admin_body(request)).get("status")
    if status not in STATUSES:
        raise PlainError(400, f"status must be one of {', '.join(STATUSES)}")
    key.set_status(record, status)
    return JSONResponse({"id": message_id, "status": record["status"]})


@router.get("/events")
async def list_events(request: Request) -> JSONResponse:
    """Webhook-shaped events (inbound messages and statuses), oldest first."""
    return JSONResponse({"data": answerable(admin_key(request).events)})


@router.post("/inbound")
async def inbound(request: Request) -> JSONResponse:
    """A customer writes: ``{"from": "+31612345678", "text": "hi", "name"?, "context"?}``, or presses a
    button ``{"from", "button": {"message_id", "id"}}`` or reacts ``{"from", "reaction": {"message_id",
    "emoji"}}``. Opens the 24-hour window, stores a webhook event; answers ``{"message_id", "wa_id"}``."""
    key = admin_key(request)
    body = await admin_body(request)
    sender = body.get("from")
    if not isinstance(sender, str) or not digits(sender) or len(digits(sender)) > 15:
        raise PlainError(400, "'from' must be a phone number")
    name = body.get("name", "Sandbox Customer")
    if not isinstance(name, str) or len(name) > 100:
        raise PlainError(400, "name must be a string of at most 100 characters")
    try:
        message = customer_message(key, body)
    except CustomerError as error:
        raise PlainError(400, str(error)) from None
    record = key.receive(digits(sender), name, message)
    return JSONResponse({"message_id": record["id"], "wa_id": record["wa_id"]})
