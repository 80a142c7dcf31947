"""Answers the sandbox never gives: an HTML page from a proxy, Maton's own JSON, an empty 500, a
redirect, a 200 without a message id, and Graph's transient codes on a send.

A tiny stdlib HTTP server on loopback plays the misbehaving gateway. The object id in the path (the
media id, or the sender's phone number id) names the scripted answers: one per request, the last
repeating.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airflow_provider_whatsapp.exceptions import (
    MatonNoConnectionError,
    WhatsAppAPIError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
)
from tests.hooks.conftest import HookFactory

Answer = tuple[int, str, bytes]
JSON = "application/json"
SENT = json.dumps({"messaging_product": "whatsapp", "messages": [{"id": "wamid.OK"}]}).encode()


def graph_error(code: int, status: int = 400) -> Answer:
    body = {"error": {"message": f"(#{code}) try later", "type": "OAuthException", "code": code}}
    return status, JSON, json.dumps(body).encode()


ANSWERS: dict[str, list[Answer]] = {
    "html": [(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>")],
    "maton": [(400, JSON, json.dumps({"error": "No connection found for whatsapp-business"}).encode())],
    "maton400": [(400, JSON, json.dumps({"error": {"message": "Unknown app 'whatsapp'"}}).encode())],
    "empty": [(500, "text/plain", b"")],
    "teapot": [(418, "text/plain", b"I'm a teapot")],
    "redirect": [(302, "text/plain", b"")],
    "noid": [(200, JSON, b"{}")],
    "notjson": [(200, "text/html", b"<html>ok</html>")],
    "transient": [graph_error(130429), graph_error(131056), (200, JSON, SENT)],
}


class MisbehavingGateway(BaseHTTPRequestHandler):
    """Answers with the scripted answers of the object id in ``/whatsapp-business/v21.0/<id>/...``."""

    server: ScriptedServer

    def answer(self) -> None:
        kind = self.path.split("/")[3]
        self.server.hits[kind] += 1
        script = ANSWERS[kind]
        status, content_type, body = script[min(self.server.hits[kind], len(script)) - 1]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 302:
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class ScriptedServer(ThreadingHTTPServer):
    hits: Counter[str]


@pytest.fixture
def gateway() -> Iterator[ScriptedServer]:
    server = ScriptedServer(("127.0.0.1", 0), MisbehavingGateway)
    server.hits = Counter()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def gateway_url(gateway: ScriptedServer) -> str:
    return f"http://127.0.0.1:{gateway.server_address[1]}"


def test_html_page_from_a_proxy(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppServerError) as caught:
        hook.get_media("html")
    assert caught.value.status == 502
    assert "502 Bad Gateway" in str(caught.value)
    assert "<html>" not in str(caught.value)
    assert "OAuth" not in str(caught.value), "only a 500 hints at an expired grant"


def test_maton_own_error_bodies(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(MatonNoConnectionError, match="No connection found"):
        hook.get_media("maton")
    with pytest.raises(WhatsAppAPIError, match="Unknown app") as other:
        hook.get_media("maton400")
    assert not isinstance(other.value, MatonNoConnectionError)


def test_empty_500_mentions_expired_oauth(
    make_hook: HookFactory, gateway: ScriptedServer, gateway_url: str
) -> None:
    hook = make_hook(host=gateway_url, max_retries=1)
    with pytest.raises(WhatsAppServerError, match="expired OAuth") as caught:
        hook.get_media("empty")
    assert caught.value.retryable
    assert gateway.hits["empty"] == 2, "a GET is retried on a 5xx"


def test_unexpected_status_is_still_readable(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppAPIError, match="418") as caught:
        hook.get_media("teapot")
    assert "teapot" in str(caught.value)


def test_a_redirect_is_not_success_and_not_followed(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppAPIError) as caught:
        hook.get_media("redirect")
    assert caught.value.status == 302


@pytest.mark.parametrize("kind", ["noid", "notjson"])
def test_accepted_send_with_an_unreadable_answer_is_an_unknown_outcome(
    make_hook: HookFactory, gateway: ScriptedServer, gateway_url: str, kind: str
) -> None:
    hook = make_hook(host=gateway_url, phone_number_id=kind)
    with pytest.raises(WhatsAppUnknownOutcomeError):
        hook.send_template("+31612345789", "hello_world")
    assert gateway.hits[kind] == 1, "an accepted send is never repeated"


def test_send_is_retried_on_transient_graph_codes(
    make_hook: HookFactory, gateway: ScriptedServer, gateway_url: str
) -> None:
    hook = make_hook(host=gateway_url, phone_number_id="transient", max_retries=3)
    result = hook.send_template("+31612345789", "hello_world")
    assert result.message_id == "wamid.OK"
    assert gateway.hits["transient"] == 3
