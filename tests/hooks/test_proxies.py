"""Proxies from the environment: chosen per host (``NO_PROXY`` honoured), credentials sent to the proxy
only, SOCKS refused before anything is sent, and a proxy that drops a send's connection never makes the
send go out twice."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppNetworkError, WhatsAppUnknownOutcomeError
from tests.hooks.conftest import HookFactory, use_proxy
from tests.raw_server import raw_server
from tests.scripted_http import Answer, Request, ScriptedHTTP

TO = "+31612345789"


def test_a_request_that_cannot_be_built_was_not_sent_and_is_not_retried(
    make_hook: HookFactory, sandbox_key: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SOCKS proxy is not supported: the request is refused before any connection, and said so."""
    use_proxy(monkeypatch, "socks5://127.0.0.1:1080")
    hook = make_hook(host=sandbox_key["base_url"], max_retries=3)
    with pytest.raises(WhatsAppNetworkError, match="could not be built") as caught:
        hook.send_text(TO, "never sent")
    assert not isinstance(caught.value, WhatsAppUnknownOutcomeError)
    assert caught.value.retryable is False
    assert "(ProxySchemeUnknown)" in str(caught.value)


def test_proxies_are_chosen_per_host_and_no_proxy_is_honoured(
    make_hook: HookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway goes through the proxy, the CDN (on a NO_PROXY host) directly."""
    with ScriptedHTTP(lambda request: Answer(body=b"file")) as cdn:

        def gateway_behind_proxy(request: Request) -> Answer:
            return Answer.json({"id": "777", "url": f"{cdn.url}/media/777", "mime_type": "text/plain"})

        with ScriptedHTTP(gateway_behind_proxy) as proxy:
            use_proxy(monkeypatch, proxy.url, no_proxy="127.0.0.1")
            hook = make_hook(host="http://gateway.invalid", max_retries=0)
            assert hook.download_media("777") == b"file"
    assert [r.path for r in proxy.seen] == ["http://gateway.invalid/whatsapp-business/v21.0/777"]
    assert [r.path for r in cdn.seen] == ["/media/777"]


def test_a_cdn_on_a_proxied_host_is_reached_through_the_proxy(
    make_hook: HookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def proxy_for_both(request: Request) -> Answer:
        if request.path.startswith("http://cdn.invalid/"):
            return Answer(headers={"Content-Type": "text/plain"}, body=b"file")
        return Answer.json({"id": "777", "url": "http://cdn.invalid/media/777", "mime_type": "text/plain"})

    with ScriptedHTTP(proxy_for_both) as proxy:
        use_proxy(monkeypatch, proxy.url)
        hook = make_hook(host="http://gateway.invalid", max_retries=0)
        assert hook.download_media("777") == b"file"
    assert [r.path for r in proxy.seen][-1] == "http://cdn.invalid/media/777"


def test_a_proxy_written_without_a_scheme_is_an_http_proxy(
    make_hook: HookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As requests reads ``HTTP_PROXY=proxy.example:3128``."""
    with ScriptedHTTP(lambda request: Answer.json({"id": "777", "display_phone_number": "+1 555"})) as proxy:
        use_proxy(monkeypatch, proxy.url.removeprefix("http://"))
        make_hook(host="http://gateway.invalid", max_retries=0).get_phone_number()
    [request] = proxy.seen
    assert request.path.startswith("http://gateway.invalid/whatsapp-business/")


@pytest.mark.parametrize(
    ("userinfo", "sent"),
    [
        ("user:pa%3Ass@", "Basic " + base64.b64encode(b"user:pa:ss").decode()),  # decoded, as requests
        ("user@", None),  # as requests: a user alone is no pair of credentials
    ],
)
def test_a_proxys_credentials_go_to_the_proxy_only(
    userinfo: str, sent: str | None, make_hook: HookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials in the proxy's URL are sent as Proxy-Authorization, and only to the proxy."""
    with ScriptedHTTP(lambda request: Answer.json({"id": "777", "display_phone_number": "+1 555"})) as proxy:
        use_proxy(monkeypatch, proxy.url.replace("http://", f"http://{userinfo}"))
        make_hook(host="http://gateway.invalid", max_retries=0).get_phone_number()
    [request] = proxy.seen
    assert request.headers.get("proxy-authorization") == sent
    assert request.path.startswith("http://gateway.invalid/")


def test_a_proxy_that_refuses_the_connection_got_nothing_and_is_tried_again(
    make_hook: HookFactory, refused_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_proxy(monkeypatch, refused_url)
    hook = make_hook(host="http://gateway.invalid", max_retries=0)
    with pytest.raises(WhatsAppNetworkError, match="nothing was sent") as caught:
        hook.send_text(TO, "never written")
    assert not isinstance(caught.value, WhatsAppUnknownOutcomeError)
    assert caught.value.retryable
    assert "(ConnectionRefusedError)" in str(caught.value)


@pytest.fixture
def dropping_proxy() -> Iterator[tuple[str, list[bytes]]]:
    """A proxy that reads each request whole, then closes the connection without an answer."""
    received: list[bytes] = []

    def drop(connection: socket.socket) -> None:
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            received.append(data)

    with raw_server(drop) as port:
        yield f"http://127.0.0.1:{port}", received


def test_a_send_whose_connection_the_proxy_dropped_is_unknown_and_not_sent_again(
    make_hook: HookFactory, dropping_proxy: tuple[str, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """urllib3 calls that a ``ProxyError`` too, but the request had gone: it may have been accepted."""
    url, received = dropping_proxy
    use_proxy(monkeypatch, url)
    hook = make_hook(host="http://gateway.invalid", max_retries=3)
    with pytest.raises(WhatsAppUnknownOutcomeError) as caught:
        hook.send_text(TO, "only once")
    assert not caught.value.retryable
    assert len(received) == 1, "the proxy got the send once and it was not repeated"
