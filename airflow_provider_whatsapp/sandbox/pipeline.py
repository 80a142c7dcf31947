"""What Maton's gateway does before Graph sees a request: auth, rate limit, faults, connection choice.

It runs as the outermost, raw ASGI layer in front of the routes of ``/connections`` and
``/whatsapp-business/...`` (not the admin API), so that the drop and lost faults can reach uvicorn's
transport, and so that refused requests cost no routing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.responses import Response

from .errors import GraphError, PlainError, maton_error, rate_limited
from .faults import cut_connection, slow_ms
from .ratelimit import retry_after_seconds
from .state import KeyState, SandboxState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GATEWAY_PREFIX = "/whatsapp-business/"
_VERSION = re.compile(r"^v\d+\.\d+$")
_BAD_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)

KEY_SCOPE = "sandbox.key"
CONNECTION_SCOPE = "sandbox.connection"
RAW_SEND_SCOPE = "sandbox.raw_send"  # uvicorn's own ``send``, which the drop and lost faults cut


def is_gateway_path(path: str) -> bool:
    """Whether the pipeline handles ``path`` (the gateway and the control plane)."""
    return path.startswith((GATEWAY_PREFIX, "/connections/")) or path == "/connections"


def fault_response(outcome: str) -> Response:
    """The answer of a ``500`` / ``502`` / ``503`` / ``429`` fault."""
    if outcome == "429":
        return rate_limited(1).response()
    if outcome == "502":
        return Response(_BAD_GATEWAY_PAGE, status_code=502, media_type="text/html")
    if outcome == "503":
        return GraphError(2, "Service temporarily unavailable", status=503).response()
    return GraphError(1, "An unknown error occurred", status=500).response()


async def drain(receive: Receive) -> None:
    """Read the request body to its end (closing with unread bytes would reset instead of close)."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False) and message["type"] == "http.request"


def authenticate(state: SandboxState, scope: Scope) -> KeyState:
    """The key named by ``Authorization: Bearer <key>``, else Maton's 401."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            found = state.keys.get(key.strip()) if scheme.lower() == "bearer" else None
            if found is None:
                raise maton_error(401, "Invalid API key")
            return found
    raise maton_error(401, "Missing Authorization header: send 'Authorization: Bearer <MATON_API_KEY>'")


def connection_header(scope: Scope) -> str | None:
    """The value of ``Maton-Connection``, if sent."""
    for name, value in scope["headers"]:
        if name == b"maton-connection":
            return str(value.decode("latin-1").strip())
    return None


async def handle(state: SandboxState, scope: Scope, receive: Receive, send: Send, routes: ASGIApp) -> None:
    """Serve one gateway or control-plane request through ``routes``, or refuse it as Maton would."""
    try:
        key = authenticate(state, scope)
    except PlainError as error:
        await error.response()(scope, receive, send)
        return
    header = connection_header(scope)
    entry: dict[str, Any] = {
        "time": key.now(),
        "method": scope["method"],
        "path": scope["path"],
        "status": None,
        "maton_connection": header is not None,
        "outcome": "ok",
        "delay_ms": 0.0,
    }
    key.requests.append(entry)

    async def recording_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            entry["status"] = message["status"]
        await send(message)

    if key.bucket is not None:
        wait = key.bucket.take()
        if wait:
            entry["outcome"] = "rate_limited"
            key.outcomes["rate_limited"] += 1
            await rate_limited(retry_after_seconds(wait)).response()(scope, receive, recording_send)
            return
    outcome = key.faults.next_outcome()
    entry["outcome"] = outcome
    key.outcomes[outcome] += 1
    delay_ms = key.faults.rates.latency_ms + (slow_ms(outcome) or 0.0)
    entry["delay_ms"] = delay_ms
    if delay_ms:
        await asyncio.sleep(delay_ms / 1000)
    if outcome == "drop":
        await drain(receive)
        cut_connection(scope.get(RAW_SEND_SCOPE, send))
        return
    if outcome in ("500", "502", "503", "429"):
        await fault_response(outcome)(scope, receive, recording_send)
        return
    try:
        if scope["path"].startswith(GATEWAY_PREFIX):
            scope[CONNECTION_SCOPE] = key.gateway_connection(header)
            version = scope["path"][len(GATEWAY_PREFIX) :].partition("/")[0]
            if not _VERSION.match(version):
                raise GraphError(100, f"Unknown path components: /{version}", "Use a version like v21.0")
    except (PlainError, GraphError) as error:
        await error.response()(scope, receive, recording_send)
        return
    scope[KEY_SCOPE] = key
    if outcome == "lost":

        async def swallow(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]

        await routes(scope, receive, swallow)
        cut_connection(scope.get(RAW_SEND_SCOPE, send))
        return
    await routes(scope, receive, recording_send)
