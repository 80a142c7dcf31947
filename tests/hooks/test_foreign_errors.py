"""Error bodies that are not Graph's: an HTML page from a proxy, Maton's own JSON, an empty 500.

A tiny stdlib HTTP server on loopback plays the misbehaving gateway, since the sandbox always
answers well-formed bodies.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airflow_provider_whatsapp.exceptions import (
    MatonNoConnectionError,
    WhatsAppAPIError,
    WhatsAppServerError,
)
from tests.hooks.conftest import HookFactory

ANSWERS: dict[str, tuple[int, str, bytes]] = {
    "html": (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"),
    "maton": (
        400,
        "application/json",
        json.dumps({"error": "No connection found for whatsapp-business"}).encode(),
    ),
    "empty": (500, "text/plain", b""),
    "teapot": (418, "text/plain", b"I'm a teapot"),
}


class MisbehavingGateway(BaseHTTPRequestHandler):
    """Answers every request with the body named by the first path segment after the version."""

    def do_GET(self) -> None:
        kind = self.path.split("/")[3]
        status, content_type, body = ANSWERS[kind]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def gateway_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), MisbehavingGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_html_page_from_a_proxy(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppServerError) as caught:
        hook.get_media("html")
    assert caught.value.status == 502
    assert "502 Bad Gateway" in str(caught.value)
    assert "<html>" not in str(caught.value)
    assert "OAuth" not in str(caught.value), "only a 500 hints at an expired grant"


def test_maton_own_error_body(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(MatonNoConnectionError, match="No connection found"):
        hook.get_media("maton")


def test_empty_500_mentions_expired_oauth(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=1)
    with pytest.raises(WhatsAppServerError, match="expired OAuth") as caught:
        hook.get_media("empty")
    assert caught.value.retryable


def test_unexpected_status_is_still_readable(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppAPIError, match="418") as caught:
        hook.get_media("teapot")
    assert "teapot" in str(caught.value)
