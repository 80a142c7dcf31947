"""Helpers the gateway routes share: the request's key and connection, JSON bodies, ``fields``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from ..bodies import BodyError, parse_json
from ..errors import GraphError, invalid_parameter
from ..pipeline import CONNECTION_SCOPE, KEY_SCOPE
from ..records import Connection
from ..state import KeyState, SandboxState
from ..validation import Rejection


def sandbox_of(request: Request) -> SandboxState:
    """The whole server's state (the admin API and unauthenticated pages look keys up in it)."""
    state: SandboxState = request.app.sandbox
    return state


def key_of(request: Request) -> KeyState:
    """The key the pipeline authenticated for this request."""
    key: KeyState = request.scope[KEY_SCOPE]
    return key


def connection_of(request: Request) -> Connection:
    """The Maton connection the pipeline chose for this gateway request."""
    connection: Connection = request.scope[CONNECTION_SCOPE]
    return connection


def base_url(request: Request) -> str:
    """The server's own URL as the client reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or Graph's 400 code 100."""
    try:
        body = parse_json(await request.body())
    except BodyError as error:
        raise invalid_parameter(str(error)) from None
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object")
    return body


def check(rejection: Rejection | None) -> None:
    """Raise a validator's rejection as a Graph error."""
    if rejection is not None:
        raise GraphError(
            rejection.code,
            rejection.message,
            rejection.details,
            error_subcode=rejection.error_subcode,
            status=rejection.status,
        )


def select_fields(
    record: dict[str, Any], fields: str | None, node_type: str, always: Iterable[str] = ("id",)
) -> dict[str, Any]:
    """``record`` cut to Graph's ``fields`` query parameter (all of it when absent).

    An unknown field is Graph's 400 ``(#100) Tried accessing nonexisting field``.
    """
    if not fields:
        return record
    wanted = [name.strip() for name in fields.split(",") if name.strip()]
    for name in wanted:
        if name not in record:
            raise GraphError(
                100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})"
            )
    keep = {*always, *wanted}
    return {name: value for name, value in record.items() if name in keep}
