"""``GET /_sandbox/docs``: the sandbox's routes, rendered from its OpenAPI document on the server.

FastAPI's own docs page loads Swagger UI from a CDN and is blank offline; this page needs nothing from
outside. The machine-readable document stays at ``/_sandbox/openapi.json``.
"""

from __future__ import annotations

import warnings

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from ..inbox.page import environment
from .inbox import html

router = APIRouter()

METHODS = ("get", "post", "put", "patch", "delete")


@router.get("/_sandbox/docs", include_in_schema=False)
async def docs(request: Request) -> Response:
    """Every route with its method and description, grouped as the sandbox README groups them."""
    with warnings.catch_warnings():  # FastAPI warns about routes that serve several methods
        warnings.simplefilter("ignore")
        document = request.app.openapi()
    routes = [
        {
            "method": method.upper(),
            "path": path,
            "summary": operation.get("summary", ""),
            "description": operation.get("description", ""),
            "group": "admin"
            if path.startswith("/_sandbox")
            else "control"
            if path.startswith("/connections")
            else "gateway",
        }
        for path, item in document.get("paths", {}).items()
        for method in METHODS
        if (operation := item.get(method))
    ]
    return html(environment().get_template("docs.html").render(routes=routes))
