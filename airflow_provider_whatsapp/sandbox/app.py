"""The sandbox's ASGI app: Maton's control plane and gateway, the Cloud API behind it, and the admin API."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from . import pipeline
from .config import SandboxConfig
from .errors import GraphError, PlainError
from .routes import admin, control, media, messages, phone, templates
from .state import SandboxState


class SandboxApp(FastAPI):
    """FastAPI with Maton's gateway pipeline as its outermost layer (see ``pipeline``)."""

    sandbox: SandboxState

    async def __call__(self, scope: pipeline.Scope, receive: pipeline.Receive, send: pipeline.Send) -> None:
        if scope["type"] == "http" and pipeline.is_gateway_path(scope["path"]):
            await pipeline.handle(self.sandbox, scope, receive, send, super().__call__)
        else:
            await super().__call__(scope, receive, send)


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


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    """The app for ``config`` (defaults: one key ``sandbox-key`` with an ACTIVE connection)."""
    app = SandboxApp(
        title="WhatsApp sandbox",
        description="Local stand-in for Maton's gateway, control plane and the WhatsApp Cloud API",
        docs_url="/_sandbox/docs",
        redoc_url=None,
        openapi_url="/_sandbox/openapi.json",
    )
    app.sandbox = SandboxState(config or SandboxConfig())
    app.add_exception_handler(GraphError, graph_error_handler)
    app.add_exception_handler(PlainError, plain_error_handler)
    for module in (control, messages, media, templates, phone, admin):
        app.include_router(module.router)
    app.add_api_route(
        "/whatsapp-business/{version}/{path:path}",
        unknown_gateway_path,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    return app
