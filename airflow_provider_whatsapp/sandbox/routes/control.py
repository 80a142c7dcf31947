"""Maton's control plane: ``/connections`` list, create, get, delete."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..bodies import BodyError, parse_json
from ..errors import maton_error
from ..records import Connection
from ..state import KeyState
from .common import base_url, key_of

router = APIRouter()


def find(key: KeyState, connection_id: str) -> Connection:
    """A connection of this key, brought up to date, else Maton's 404."""
    connection = key.connections.get(connection_id)
    if connection is None:
        raise maton_error(404, f"Connection {connection_id} not found")
    connection.refresh(key.now())
    return connection


@router.get("/connections")
async def list_connections(
    request: Request, app: str | None = None, status: str | None = None
) -> JSONResponse:
    """``{"connections": [...]}``, oldest first, filtered by ``app`` and ``status``."""
    key = key_of(request)
    now = key.now()
    url = base_url(request)
    answer = []
    for connection in key.connections.values():
        connection.refresh(now)
        if (app is None or connection.app == app) and (status is None or connection.status == status.upper()):
            answer.append(connection.to_json(url))
    return JSONResponse({"connections": answer})


@router.post("/connections")
async def create_connection(request: Request) -> JSONResponse:
    """A new PENDING connection whose ``url`` activates it (or the configured delay does)."""
    key = key_of(request)
    try:
        body = parse_json(await request.body())
    except BodyError as error:
        raise maton_error(400, str(error)) from None
    app = body.get("app") if isinstance(body, dict) else None
    if not isinstance(app, str) or not app:
        raise maton_error(400, 'Field \'app\' is required, e.g. {"app": "whatsapp-business"}')
    delay = key.config.activation_delay
    activate_at = None if delay is None else key.now() + delay
    connection = key.add_connection(app, "PENDING", activate_at)
    connection.refresh(key.now())
    return JSONResponse({"connection": connection.to_json(base_url(request))})


@router.get("/connections/{connection_id}")
async def get_connection(request: Request, connection_id: str) -> JSONResponse:
    """``{"connection": {...}}``, or Maton's 404 when it does not exist (any more)."""
    connection = find(key_of(request), connection_id)
    return JSONResponse({"connection": connection.to_json(base_url(request))})


@router.delete("/connections/{connection_id}")
async def delete_connection(request: Request, connection_id: str) -> JSONResponse:
    """Delete a connection; answers ``{"success": true}``."""
    key = key_of(request)
    find(key, connection_id)
    del key.connections[connection_id]
    return JSONResponse({"success": True})
