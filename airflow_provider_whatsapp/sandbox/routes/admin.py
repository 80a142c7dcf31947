"""The admin API under ``/_sandbox/``: keys, stored messages and events, faults, simulated customers.

Every route except ``POST /_sandbox/keys``, ``GET /_sandbox/health`` and the browser's connect page is
authenticated by the same ``Authorization: Bearer <key>`` as the gateway and sees only that key's state.
"""

from __future__ import annotations

import html
import time
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from ..errors import PlainError
from ..faults import FaultSettings
from ..state import KeyState, Template, digits, new_wamid
from .common import sandbox_of

router = APIRouter(prefix="/_sandbox")

TEMPLATE_ACTIONS = {"approve": "APPROVED", "reject": "REJECTED", "pause": "PAUSED", "disable": "DISABLED"}


def admin_key(request: Request) -> KeyState:
    """The key named by the Bearer header, else a 401."""
    scheme, _, api_key = request.headers.get("authorization", "").partition(" ")
    key = sandbox_of(request).keys.get(api_key.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        raise PlainError(401, "The admin API needs 'Authorization: Bearer <sandbox key>'")
    return key


async def admin_body(request: Request) -> dict[str, Any]:
    """The JSON object of an admin request (empty when there is no body), else a 400."""
    try:
        body = await request.json() if await request.body() else {}
    except ValueError:
        raise PlainError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise PlainError(400, "The request body must be a JSON object")
    return body


@router.get("/health")
async def health() -> JSONResponse:
    """Liveness: ``{"status": "ok"}``."""
    return JSONResponse({"status": "ok"})


@router.post("/keys")
async def create_key(request: Request) -> JSONResponse:
    """A new key (random unless ``api_key`` is given) with its own WABA, phone number and, unless
    ``active_connection`` is false, one ACTIVE connection."""
    body = await admin_body(request)
    api_key = body.get("api_key")
    if api_key is not None and (not isinstance(api_key, str) or not api_key or " " in api_key):
        raise PlainError(400, "api_key must be a non-empty string without spaces")
    try:
        key = sandbox_of(request).create_key(
            api_key, active_connection=bool(body.get("active_connection", True))
        )
    except ValueError as error:
        raise PlainError(409, str(error)) from None
    return JSONResponse(
        {
            "api_key": key.api_key,
            "connection_id": next(iter(key.connections), None),
            "waba_id": key.waba_id,
            "phone_number_id": key.phone_number_id,
            "display_phone_number": key.display_phone_number,
        }
    )


@router.get("/connect/{connection_id}")
async def connect_page(request: Request, connection_id: str) -> HTMLResponse:
    """The page a connection's ``url`` opens: finishes the (simulated) OAuth, the connection turns ACTIVE."""
    connection = sandbox_of(request).find_connection(connection_id)
    if connection is None:
        return HTMLResponse("<h1>Unknown connection</h1>", status_code=404)
    connection.set_status("ACTIVE", time.time())
    safe_id = html.escape(connection_id)
    return HTMLResponse(
        "<!doctype html><title>Connected</title>"
        f"<h1>WhatsApp Business connected</h1><p>Connection {safe_id} is ACTIVE. You can close this page.</p>"
    )


@router.post("/connections/{connection_id}/fail")
async def fail_connection(request: Request, connection_id: str) -> JSONResponse:
    """Turn a connection FAILED (an OAuth grant that broke)."""
    key = admin_key(request)
    connection = key.connections.get(connection_id)
    if connection is None:
        raise PlainError(404, f"Connection {connection_id} not found")
    connection.set_status("FAILED", time.time())
    return JSONResponse({"success": True})


@router.post("/phone_numbers/{phone_number_id}/{action}")
async def set_phone_registration(request: Request, phone_number_id: str, action: str) -> JSONResponse:
    """``unregister`` makes every send answer 133010; ``register`` undoes it."""
    key = admin_key(request)
    if phone_number_id != key.phone_number_id or action not in ("register", "unregister"):
        raise PlainError(
            404, "Use /_sandbox/phone_numbers/<this key's phone_number_id>/unregister or /register"
        )
    key.phone_registered = action == "register"
    return JSONResponse({"success": True})


@router.post("/templates/{template_id}/{action}")
async def review_template(request: Request, template_id: str, action: str) -> JSONResponse:
    """Approve, reject (body ``{"reason": ...}``, default INVALID_FORMAT), pause or disable a template."""
    key = admin_key(request)
    template: Template | None = key.templates.get(template_id)
    if template is None or action not in TEMPLATE_ACTIONS:
        raise PlainError(404, f"Use /_sandbox/templates/<id>/{'|'.join(TEMPLATE_ACTIONS)} with a known id")
    template.status = TEMPLATE_ACTIONS[action]
    template.decide_at = None
    if action == "reject":
        template.rejected_reason = str((await admin_body(request)).get("reason", "INVALID_FORMAT"))
    return JSONResponse(template.to_json())


def filter_to(messages: list[dict[str, Any]], to: str | None) -> list[dict[str, Any]]:
    """Messages to the number ``to`` (compared by digits), or all."""
    if to is None:
        return messages
    wanted = digits(to)
    return [message for message in messages if message["wa_id"] == wanted]


@router.get("/messages")
async def list_messages(request: Request, to: str | None = None) -> JSONResponse:
    """Stored messages, oldest first: ``{"data": [{"id", "to", "wa_id", "type", "body", ...}]}``."""
    return JSONResponse({"data": filter_to(admin_key(request).messages, to)})


@router.get("/messages/count")
async def count_messages(request: Request, to: str | None = None) -> JSONResponse:
    """``{"count": n}`` of stored messages (to ``to``)."""
    return JSONResponse({"count": len(filter_to(admin_key(request).messages, to))})


@router.delete("/messages")
async def delete_messages(request: Request) -> JSONResponse:
    """Forget the stored messages and events."""
    key = admin_key(request)
    key.messages.clear()
    key.events.clear()
    return JSONResponse({"success": True})


@router.get("/events")
async def list_events(request: Request) -> JSONResponse:
    """Webhook-shaped events (inbound messages and ``sent`` statuses), oldest first."""
    return JSONResponse({"data": admin_key(request).events})


@router.post("/reset")
async def reset(request: Request) -> JSONResponse:
    """Back to the starting state (connections, ids and the key itself stay)."""
    admin_key(request).reset()
    return JSONResponse({"success": True})


@router.get("/faults")
async def get_faults(request: Request) -> JSONResponse:
    """The key's fault settings (``script``: the steps not consumed yet)."""
    return JSONResponse(admin_key(request).faults.to_json())


@router.put("/faults")
async def put_faults(request: Request) -> JSONResponse:
    """Replace the key's fault settings; omitted fields are 0 / empty."""
    key = admin_key(request)
    try:
        key.faults = FaultSettings.from_json(await admin_body(request))
    except ValueError as error:
        raise PlainError(400, str(error)) from None
    return JSONResponse(key.faults.to_json())


@router.post("/inbound")
async def inbound(request: Request) -> JSONResponse:
    """A customer writes: ``{"from": "+31612345678", "text": "hi", "name": optional}``. Opens the 24-hour
    window and stores a webhook event; answers ``{"message_id": "wamid...", "wa_id": "31612345678"}``."""
    key = admin_key(request)
    body = await admin_body(request)
    sender = body.get("from")
    if not isinstance(sender, str) or not digits(sender):
        raise PlainError(400, "'from' must be a phone number")
    wa_id = digits(sender)
    now = time.time()
    wamid = new_wamid()
    key.windows[wa_id] = now
    key.inbound_ids.add(wamid)
    text = str(body.get("text", "hi"))
    contact = {"profile": {"name": str(body.get("name", "Sandbox Customer"))}, "wa_id": wa_id}
    message = {"from": wa_id, "id": wamid, "timestamp": str(int(now)), "type": "text", "text": {"body": text}}
    key.add_event({"contacts": [contact], "messages": [message]})
    return JSONResponse({"message_id": wamid, "wa_id": wa_id})


@router.get("/requests")
async def list_requests(request: Request) -> JSONResponse:
    """The gateway and control-plane requests of this key: method, path, status, whether
    ``Maton-Connection`` was set, fault outcome (never the key)."""
    return JSONResponse({"data": list(admin_key(request).requests)})


@router.get("/cdn-requests")
async def list_cdn_requests(request: Request) -> JSONResponse:
    """Downloads of this key's media from the fake CDN, with the headers each one carried."""
    return JSONResponse({"data": list(admin_key(request).cdn_requests)})
