"""The web inbox: ``GET /`` (the page), its live parts and change counter, uploaded media and its own
script and style. Rendering is in ``inbox/``.

The page is opened without a key, like Mailpit's, for the account named by ``?key=`` (default: the first
key the server started with); its script then calls the admin API with that key. The account list shows
the keys the server started with and labelled ones (``POST /_sandbox/keys {"label"}``, as the demo
makes), never the anonymous keys tests create. Pages carry a Content-Security-Policy that allows only
the sandbox's own script and style, a second line of defence behind the autoescaping.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from ..inbox import page as inbox_page
from ..state import KeyState, SandboxState
from .admin import admin_key
from .common import sandbox_of

router = APIRouter()

STATIC = Path(__file__).resolve().parents[1] / "inbox" / "static"
STATIC_FILES = {"inbox.js": "text/javascript", "inbox.css": "text/css"}
POLL_PATH = "/_sandbox/inbox/changes"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def is_poll(path: str) -> bool:
    """Whether a path is the inbox's once-a-second poll (left out of the CLI's request log)."""
    return path == POLL_PATH


def accounts(sandbox: SandboxState, current: KeyState) -> list[KeyState]:
    """The accounts the page offers: configured and labelled keys, and the one shown."""
    return [
        key
        for key in sandbox.keys.values()
        if key is current or key.label or key.api_key in sandbox.config.api_keys
    ]


def number(raw: str | None) -> int:
    """A page number from the query (0 when absent or not a small number)."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 7 else 0


def html(text: str, status: int = 200) -> Response:
    """An HTML answer with the inbox's security headers (text already free of lone surrogates)."""
    return Response(text.encode("utf-8"), status, SECURITY_HEADERS, media_type="text/html")


@router.get("/", include_in_schema=False)
async def inbox(request: Request) -> Response:
    """The inbox of one account: conversations, the open one, search, customer actions, faults, reset."""
    sandbox = sandbox_of(request)
    params = request.query_params
    name = params.get("key") or sandbox.first_key or next(reversed(sandbox.keys), None)
    key = sandbox.keys.get(name or "")
    if key is None:
        return html("<!doctype html><title>Unknown key</title><h1>No such sandbox key</h1>", 404)
    chat = params.get("chat") or None
    text = inbox_page.page(
        key,
        accounts(sandbox, key),
        params.get("q", ""),
        chat,
        number(params.get("page")),
        number(params.get("chats_page")),
    )
    return html(text)


@router.get("/_sandbox/inbox/parts")
async def inbox_parts(request: Request) -> JSONResponse:
    """The live parts of the page for the same query: ``{"chats", "thread", "revision"}`` (HTML strings)."""
    key = admin_key(request)
    params = request.query_params
    parts = inbox_page.parts(
        key,
        params.get("q", ""),
        params.get("chat") or None,
        number(params.get("page")),
        number(params.get("chats_page")),
    )
    return JSONResponse({**parts, "revision": key.revision}, headers=SECURITY_HEADERS)


@router.get(POLL_PATH)
async def inbox_changes(request: Request) -> JSONResponse:
    """``{"revision": n}``: changes whenever a message, a status or a reset changes the conversations."""
    return JSONResponse({"revision": admin_key(request).revision})


@router.get("/_sandbox/inbox/media/{media_id}", include_in_schema=False)
async def inbox_media(request: Request, media_id: str, token: str = "") -> Response:
    """An uploaded media file for the page (token checked, not logged as a CDN download)."""
    found = sandbox_of(request).find_media(media_id)
    if found is None or not hmac.compare_digest(token, found[1].token):
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    media = found[1]
    return Response(media.data, media_type=media.mime_type, headers={"X-Content-Type-Options": "nosniff"})


@router.get("/_sandbox/inbox/static/{name}", include_in_schema=False)
async def inbox_static(name: str) -> Response:
    """The page's script and style, shipped in the package."""
    if name not in STATIC_FILES:
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "no-cache"})


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """No icon (browsers ask for one; answering keeps their console and the request log clean)."""
    return Response(status_code=204)
