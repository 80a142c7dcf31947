"""The sandbox's ASGI app: Maton's control plane and gateway, the Cloud API behind it, the admin API
and the web inbox."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from . import pipeline
from .config import SandboxConfig
from .errors import GraphError, PlainError
from .routes import admin, admin_messages, control, docs, inbox, media, messages, phone, templates
from .state import KeyState, SandboxState
from .store import Store


@dataclass(frozen=True)
class RequestRecord:
    """One served request, for the CLI's log: ``status`` None when the connection was cut unanswered."""

    method: str
    path: str
    status: int | None
    milliseconds: float


class SandboxApp(FastAPI):
    """FastAPI with Maton's gateway pipeline as its outermost layer (see ``pipeline``), a request log
    (``on_request``, set by the CLI) and, with ``--state``, a save of each request's key afterwards."""

    sandbox: SandboxState
    store: Store | None = None
    on_request: Callable[[RequestRecord], None] | None = None

    async def __call__(self, scope: pipeline.Scope, receive: pipeline.Receive, send: pipeline.Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope[pipeline.RAW_SEND_SCOPE] = send
        started = time.perf_counter()
        status: list[int] = []

        async def watching_send(message: pipeline.Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            if pipeline.is_gateway_path(scope["path"]):
                await pipeline.handle(self.sandbox, scope, receive, watching_send, super().__call__)
            else:
                await super().__call__(scope, receive, watching_send)
        finally:
            key = scope.get(pipeline.KEY_SCOPE)
            if self.store is not None and isinstance(key, KeyState):
                self.store.save(key)
            if self.on_request is not None and not inbox.is_poll(scope["path"]):
                elapsed = (time.perf_counter() - started) * 1000
                self.on_request(
                    RequestRecord(scope["method"], scope["path"], next(iter(status), None), elapsed)
                )


async def graph_error_handler(request: Request, error: Exception) -> Response:
    """Answer a ``GraphError`` raised by a route in Graph's shape."""
    assert isinstance(error, GraphError)
    return error.response()


async def plain_error_handler(request: Request, error: Exception) -> Response:
    """Answer a ``PlainError`` (Maton's or the admin API's) raised by a route."""
    assert isinstance(error, PlainError)
    return error.response()


async def unknown_gateway_path(request: Request, path: str) -> Response:
    """Graph's answer for a path or method it does not serve."""
    raise GraphError(
        100,
        f"Unsupported {request.method.lower()} request. Unknown path components: /{path}",
        "The sandbox serves messages, media, message_templates, phone_numbers and whatsapp_business_profile",
    )


def create_app(config: SandboxConfig | None = None, *, state_file: str | None = None) -> SandboxApp:
    """The app for ``config`` (defaults: one key ``sandbox-key`` with an ACTIVE connection). With
    ``state_file``, what an earlier run stored there is loaded first and every change is saved to it."""
    app = SandboxApp(
        title="WhatsApp sandbox",
        description="Local stand-in for Maton's gateway, control plane and the WhatsApp Cloud API",
        docs_url=None,
        redoc_url=None,
        openapi_url="/_sandbox/openapi.json",
    )
    app.sandbox = SandboxState(config or SandboxConfig())
    if state_file is not None:
        app.store = Store(state_file)
        app.store.load(app.sandbox)
    app.sandbox.create_configured_keys()
    if app.store is not None:
        for key in app.sandbox.keys.values():
            app.store.save(key)
    app.add_exception_handler(GraphError, graph_error_handler)
    app.add_exception_handler(PlainError, plain_error_handler)
    for module in (control, messages, media, templates, phone, admin, admin_messages, inbox, docs):
        app.include_router(module.router)
    app.add_api_route(
        "/whatsapp-business/{version}/{path:path}",
        unknown_gateway_path,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    return app
