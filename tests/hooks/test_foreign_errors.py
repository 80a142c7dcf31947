"""Answers the sandbox never gives: an HTML page from a proxy, Maton's own JSON, an empty 500, a
redirect, a 200 without a message id, and Graph's transient codes on a send.

A tiny stdlib HTTP server on loopback plays the misbehaving gateway. The object id in the path (the
media id, or the sender's phone number id; Graph ids are digits) picks the scripted answers of
``IDS``: one per request, the last repeating.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from airflow_provider_whatsapp.exceptions import (
    MatonNoConnectionError,
    WhatsAppAPIError,
    WhatsAppNetworkError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
)
from airflow_provider_whatsapp.hooks import client
from tests.hooks.conftest import HookFactory
from tests.scripted_http import SILENT, Answer, Request, ScriptedHTTP

JSON = "application/json"
SENT = json.dumps({"messaging_product": "whatsapp", "messages": [{"id": "wamid.OK"}]}).encode()


def answer(status: int, content_type: str, body: bytes) -> Answer:
    return Answer(status=status, headers={"Content-Type": content_type}, body=body)


def graph_error(code: int, status: int = 400) -> Answer:
    body = {"error": {"message": f"(#{code}) try later", "type": "OAuthException", "code": code}}
    return answer(status, JSON, json.dumps(body).encode())


ANSWERS: dict[str, list[Answer]] = {
    "html": [answer(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>")],
    "maton": [answer(400, JSON, json.dumps({"error": "No connection found for whatsapp-business"}).encode())],
    "maton400": [answer(400, JSON, json.dumps({"error": {"message": "Unknown app 'whatsapp'"}}).encode())],
    "empty": [answer(500, "text/plain", b"")],
    "teapot": [answer(418, "text/plain", b"I'm a teapot")],
    "redirect": [
        Answer(302, {"Content-Type": "text/plain", "Location": "http://127.0.0.1:9/elsewhere"}, b"")
    ],
    "noid": [answer(200, JSON, b"{}")],
    "notjson": [answer(200, "text/html", b"<html>ok</html>")],
    "transient": [graph_error(130429), graph_error(131056), answer(200, JSON, SENT)],
}
#: Graph-shaped ids naming each script: ``hook.get_media(IDS["html"])``.
IDS = {kind: str(100000000000001 + number) for number, kind in enumerate(ANSWERS)}
KINDS = {number: kind for kind, number in IDS.items()}


@dataclass
class Gateway:
    """The misbehaving gateway: its URL and how many requests each script got."""

    url: str
    hits: Counter[str]


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    hits: Counter[str] = Counter()

    def scripted(request: Request) -> Answer:
        kind = KINDS[request.path.split("?")[0].split("/")[3]]
        hits[kind] += 1
        script = ANSWERS[kind]
        return script[min(hits[kind], len(script)) - 1]

    with ScriptedHTTP(scripted) as server:
        yield Gateway(server.url, hits)


@pytest.fixture
def gateway_url(gateway: Gateway) -> str:
    return gateway.url


def test_html_page_from_a_proxy(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppServerError) as caught:
        hook.get_media(IDS["html"])
    assert caught.value.status == 502
    assert "502 Bad Gateway" in str(caught.value)
    assert "<html>" not in str(caught.value)
    assert "OAuth" not in str(caught.value), "only a 500 hints at an expired grant"


def test_maton_own_error_bodies(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(MatonNoConnectionError, match="No connection found"):
        hook.get_media(IDS["maton"])
    with pytest.raises(WhatsAppAPIError, match="Unknown app") as other:
        hook.get_media(IDS["maton400"])
    assert not isinstance(other.value, MatonNoConnectionError)


def test_empty_500_mentions_expired_oauth(make_hook: HookFactory, gateway: Gateway, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=1)
    with pytest.raises(WhatsAppServerError, match="expired OAuth") as caught:
        hook.get_media(IDS["empty"])
    assert caught.value.retryable
    assert gateway.hits["empty"] == 2, "a GET is retried on a 5xx"


def test_unexpected_status_is_still_readable(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppAPIError, match="418") as caught:
        hook.get_media(IDS["teapot"])
    assert "teapot" in str(caught.value)


def test_a_redirect_is_not_success_and_not_followed(make_hook: HookFactory, gateway_url: str) -> None:
    hook = make_hook(host=gateway_url, max_retries=0)
    with pytest.raises(WhatsAppAPIError) as caught:
        hook.get_media(IDS["redirect"])
    assert caught.value.status == 302


@pytest.mark.parametrize("kind", ["noid", "notjson"])
def test_accepted_send_with_an_unreadable_answer_is_an_unknown_outcome(
    make_hook: HookFactory, gateway: Gateway, gateway_url: str, kind: str
) -> None:
    hook = make_hook(host=gateway_url, phone_number_id=IDS[kind])
    with pytest.raises(WhatsAppUnknownOutcomeError):
        hook.send_template("+31612345789", "hello_world")
    assert gateway.hits[kind] == 1, "an accepted send is never repeated"


def test_send_is_retried_on_transient_graph_codes(
    make_hook: HookFactory, gateway: Gateway, gateway_url: str
) -> None:
    hook = make_hook(host=gateway_url, phone_number_id=IDS["transient"], max_retries=3)
    result = hook.send_template("+31612345789", "hello_world")
    assert result.message_id == "wamid.OK"
    assert gateway.hits["transient"] == 3


def test_a_get_answered_2xx_without_json_is_a_readable_error_not_retried(
    make_hook: HookFactory, gateway: Gateway, gateway_url: str
) -> None:
    """Nothing was changed by a GET, but the same answer would come again: an error naming what came."""
    hook = make_hook(host=gateway_url, max_retries=3)
    with pytest.raises(WhatsAppAPIError, match="expected JSON, got text/html") as caught:
        hook.get_media(IDS["notjson"])
    assert caught.value.status == 200
    assert not isinstance(caught.value, WhatsAppUnknownOutcomeError)
    assert not caught.value.retryable
    assert gateway.hits["notjson"] == 1


def test_a_2xx_without_json_or_a_content_type_says_so(make_hook: HookFactory) -> None:
    with ScriptedHTTP(lambda request: Answer(headers={}, body=b"ok")) as bare:
        hook = make_hook(host=bare.url, max_retries=0)
        with pytest.raises(WhatsAppAPIError) as caught:
            hook.get_phone_number()
    path = f"/whatsapp-business/v21.0/{hook.phone_number_id}"
    assert str(caught.value) == f"GET {path}: expected JSON, got no content type (HTTP 200)"


def test_a_send_answered_2xx_without_json_was_accepted_and_is_not_sent_again(make_hook: HookFactory) -> None:
    with ScriptedHTTP(lambda request: Answer(headers={"Content-Type": "text/plain"}, body=b"OK")) as bare:
        hook = make_hook(host=bare.url, max_retries=3)
        with pytest.raises(WhatsAppUnknownOutcomeError) as caught:
            hook.send_template("+31612345789", "hello_world")
        assert len(bare.seen) == 1
    path = f"/whatsapp-business/v21.0/{hook.phone_number_id}/messages"
    assert str(caught.value) == (
        f"POST {path}: accepted (HTTP 200) but the answer is unreadable: expected JSON, got text/plain"
    )


def test_a_gateway_that_never_answers_is_given_up_by_the_hooks_timeout(make_hook: HookFactory) -> None:
    """A read waits ``timeout`` for an answer, then is retried; a send's outcome is then unknown."""
    with ScriptedHTTP(lambda request: SILENT) as silent:
        hook = make_hook(host=silent.url, max_retries=1, timeout=0.5)
        with pytest.raises(WhatsAppNetworkError, match="no answer from"):
            hook.get_phone_number()
        assert len(silent.seen) == 2
        with pytest.raises(WhatsAppUnknownOutcomeError, match="may have accepted the request"):
            hook.send_template("+31612345789", "hello_world")
        assert len(silent.seen) == 3


def test_control_plane_errors_name_the_path_on_its_own_host(make_hook: HookFactory, gateway_url: str) -> None:
    """The control plane may live on another host than the gateway (Maton's ``ctrl.maton.ai``)."""
    page = Answer(headers={"Content-Type": "text/html"}, body=b"<html>maintenance</html>")
    with ScriptedHTTP(lambda request: page) as control:
        hook = make_hook(host=gateway_url, control_url=control.url, max_retries=0)
        with pytest.raises(WhatsAppAPIError) as caught:
            hook.list_maton_connections()
    assert str(caught.value) == "GET /connections: expected JSON, got text/html (HTTP 200)"


@pytest.mark.parametrize("status", [300, 304])
def test_a_3xx_answer_is_an_error_not_a_result(make_hook: HookFactory, status: int) -> None:
    """Redirects are not followed (the key would go with them), and a 3xx body is no answer."""
    with ScriptedHTTP(lambda request: Answer.json({"id": "1"}, status=status)) as odd:
        hook = make_hook(host=odd.url, max_retries=0)
        with pytest.raises(WhatsAppAPIError) as caught:
            hook.get_phone_number()
    assert (caught.value.status, caught.value.retryable) == (status, False)


def test_each_call_is_logged_at_debug_with_its_status_and_duration(
    make_hook: HookFactory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter([100.0, 102.0])
    monkeypatch.setattr(client, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    with ScriptedHTTP(lambda request: Answer.json({"id": "1"})) as gateway:
        hook = make_hook(host=gateway.url, max_retries=0)
        with caplog.at_level(logging.DEBUG, logger="airflow_provider_whatsapp.hooks.client"):
            hook.client.graph("GET", "1")
    assert "GET /whatsapp-business/v21.0/1 -> 200 in 2000 ms" in caplog.messages
