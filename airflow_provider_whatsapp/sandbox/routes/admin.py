"""The admin API under ``/_sandbox/``: keys, connections, phone registration, templates, faults, clock.

Every route except ``POST /_sandbox/keys``, ``GET /_sandbox/health`` and the browser's connect page is
authenticated by the same ``Authorization: Bearer <key>`` as the gateway and sees only that key's state.
Stored messages, events and simulated customers are in ``admin_messages.py``.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from ..bodies import BodyError, parse_json
from ..errors import PlainError, invalid_parameter
from ..faults import FaultSettings
from ..limits import TEMPLATE_CATEGORIES
from ..pipeline import KEY_SCOPE
from ..records import Template, iso_time
from ..seeds import SEED_SETS
from ..state import KeyState
from .common import sandbox_of

router = APIRouter(prefix="/_sandbox")

TEMPLATE_ACTIONS = {"approve": "APPROVED", "reject": "REJECTED", "pause": "PAUSED", "disable": "DISABLED"}


def admin_key(request: Request) -> KeyState:
    """The key named by the Bearer header, else a 401; remembered in the scope (``--state`` saves it)."""
    scheme, _, api_key = request.headers.get("authorization", "").partition(" ")
    key = sandbox_of(request).keys.get(api_key.strip()) if scheme.lower() == "bearer" else None
    if key is None:
        raise PlainError(401, "The admin API needs 'Authorization: Bearer <sandbox key>'")
    request.scope[KEY_SCOPE] = key
    return key


async def admin_body(request: Request) -> dict[str, Any]:
    """The JSON object of an admin request (empty when there is no body), else Graph's 400 code 100,
    as the gateway answers the same bad input."""
    try:
        body = parse_json(await request.body())
    except BodyError as error:
        raise invalid_parameter(str(error)) from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object")
    return body


@router.get("/health")
async def health() -> JSONResponse:
    """Liveness: ``{"status": "ok"}``."""
    return JSONResponse({"status": "ok"})


@router.post("/keys")
async def create_key(request: Request) -> JSONResponse:
    """A new key (random unless ``api_key`` is given) with its own WABA, phone number and, unless
    ``active_connection`` is false, one ACTIVE connection; ``templates`` ``minimal`` (hello_world, the
    default) or ``docs`` (the README's); ``label`` names it in the inbox."""
    body = await admin_body(request)
    api_key, seed, label = body.get("api_key"), body.get("templates", "minimal"), body.get("label", "")
    if api_key is not None and (not isinstance(api_key, str) or not api_key or " " in api_key):
        raise PlainError(400, "api_key must be a non-empty string without spaces")
    if seed not in SEED_SETS:
        raise PlainError(400, f"templates must be one of {', '.join(SEED_SETS)}")
    if not isinstance(label, str) or len(label) > 100:
        raise PlainError(400, "label must be a string of at most 100 characters")
    try:
        key = sandbox_of(request).create_key(
            api_key, active_connection=bool(body.get("active_connection", True)), seed=seed, label=label
        )
    except ValueError as error:
        raise PlainError(409, str(error)) from None
    request.scope[KEY_SCOPE] = key
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
    found = sandbox_of(request).find_connection(connection_id)
    if found is None:
        return HTMLResponse("<h1>Unknown connection</h1>", status_code=404)
    key, connection = found
    connection.set_status("ACTIVE", key.now())
    request.scope[KEY_SCOPE] = key
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
    connection.set_status("FAILED", key.now())
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
    """Approve, reject (body ``{"reason": ...}``, default INVALID_FORMAT), pause or disable a template, or
    change its ``category`` as Meta does by itself (body ``{"category"}``; sets ``previous_category``)."""
    key = admin_key(request)
    template: Template | None = key.templates.get(template_id)
    if template is None or action not in (*TEMPLATE_ACTIONS, "category"):
        actions = "|".join((*TEMPLATE_ACTIONS, "category"))
        raise PlainError(404, f"Use /_sandbox/templates/<id>/{actions} with a known id")
    body = await admin_body(request)
    if action == "category":
        category = str(body.get("category", "")).upper()
        if category not in TEMPLATE_CATEGORIES:
            raise PlainError(400, f"category must be one of {', '.join(TEMPLATE_CATEGORIES)}")
        template.refresh(key.now())
        if category != template.category:
            template.previous_category, template.category = template.category, category
        return JSONResponse(template.to_json())
    template.status = TEMPLATE_ACTIONS[action]
    template.decide_at = None
    if action == "reject":
        template.rejected_reason = str(body.get("reason", "INVALID_FORMAT"))
    return JSONResponse(template.to_json())


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


def clock_json(request: Request) -> JSONResponse:
    """The server's time: ``{"now": ISO, "timestamp", "offset_seconds"}``."""
    clock = sandbox_of(request).clock
    now = clock.now()
    return JSONResponse({"now": iso_time(now), "timestamp": now, "offset_seconds": clock.offset})


@router.get("/clock")
async def get_clock(request: Request) -> JSONResponse:
    """The sandbox's time, as the business rules see it."""
    admin_key(request)
    return clock_json(request)


@router.post("/clock")
async def advance_clock(request: Request) -> JSONResponse:
    """``{"advance_seconds": N}`` moves the whole server's time forward (every key): windows expire,
    reviews and activation delays finish, edit limits pass. The rate limit keeps real time."""
    admin_key(request)
    body = await admin_body(request)
    try:
        sandbox_of(request).clock.advance(body.get("advance_seconds", 0))
    except ValueError as error:
        raise PlainError(400, str(error)) from None
    return clock_json(request)


@router.get("/requests")
async def list_requests(request: Request) -> JSONResponse:
    """The gateway and control-plane requests of this key: method, path, status, whether
    ``Maton-Connection`` was set, fault outcome (never the key)."""
    return JSONResponse({"data": list(admin_key(request).requests)})


@router.get("/requests/counts")
async def count_requests(request: Request) -> JSONResponse:
    """Every gateway and control-plane request of this key since its last reset, per outcome
    (``ok``, ``rate_limited`` by the rate limit, and each fault): ``{"outcomes": {...}, "total": n}``."""
    outcomes = admin_key(request).outcomes
    return JSONResponse({"outcomes": dict(outcomes), "total": sum(outcomes.values())})


@router.get("/cdn-requests")
async def list_cdn_requests(request: Request) -> JSONResponse:
    """Downloads of this key's media from the fake CDN, with the headers each one carried."""
    return JSONResponse({"data": list(admin_key(request).cdn_requests)})
