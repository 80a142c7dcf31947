"""Proxies and TLS. An https gateway behind an http proxy: the hook tunnels through ``CONNECT``, checks
the gateway's certificate at the far end, and the proxy sees the gateway's address and its own
credentials only, never the Maton key nor the message. An https proxy: its own certificate is checked
against the same bundle."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppNetworkError
from tests.hooks.conftest import HookFactory, use_proxy
from tests.hooks.test_tls import self_signed
from tests.raw_server import raw_server
from tests.scripted_http import Answer, Request, ScriptedHTTP

TO = "+31612345789"
KEY = "tunnel-test-maton-key"


@dataclass
class TunnelProxy:
    """A ``CONNECT`` proxy on loopback: it keeps each request's head and every byte it relays."""

    url: str
    heads: list[bytes] = field(default_factory=list)
    relayed: bytearray = field(default_factory=bytearray)


def pipe(source: socket.socket, target: socket.socket, seen: bytearray) -> None:
    """Copy bytes one way until either side closes."""
    try:
        while chunk := source.recv(65536):
            seen += chunk
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, target):
            end.close()


@pytest.fixture
def tunnel_proxy() -> Iterator[TunnelProxy]:
    heads: list[bytes] = []
    relayed = bytearray()

    def tunnel(client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:  # the client went away before asking for a tunnel
                client.close()
                return
            head += chunk
        heads.append(head)
        host, _, port = head.split(b" ")[1].decode().rpartition(":")
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=pipe, args=(upstream, client, relayed), daemon=True).start()
        pipe(client, upstream, relayed)

    with raw_server(tunnel, thread_each=True) as port:
        yield TunnelProxy(f"http://127.0.0.1:{port}", heads, relayed)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, ssl.SSLContext]:
    """The gateway's certificate, and a server context that presents it."""
    cert_path, key_path = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context


def accepted(request: Request) -> Answer:
    return Answer.json({"contacts": [{"input": TO, "wa_id": TO[1:]}], "messages": [{"id": "wamid.T1"}]})


def untrusted_bundle(tmp_path: Path) -> Path:
    """A CA bundle holding some other certificate."""
    (tmp_path / "other").mkdir()
    return self_signed(tmp_path / "other")[0]


def test_an_https_gateway_is_reached_through_a_tunnel_the_proxy_cannot_read(
    tunnel_proxy: TunnelProxy,
    certificate: tuple[Path, ssl.SSLContext],
    make_hook: HookFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert_path, context = certificate
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    use_proxy(monkeypatch, tunnel_proxy.url.replace("http://", "http://ops:s3cret@"), scheme="https")
    with ScriptedHTTP(accepted, tls=context) as gateway:
        hook = make_hook(api_key=KEY, host=gateway.url, max_retries=0)
        assert hook.send_text(TO, "through the tunnel").message_id == "wamid.T1"
        assert hook.send_text(TO, "the same tunnel again").message_id == "wamid.T1"
    address = gateway.url.removeprefix("https://").encode()
    assert [head.split(b" ")[:2] for head in tunnel_proxy.heads] == [[b"CONNECT", address]], "one tunnel"
    lines = tunnel_proxy.heads[0].decode().split("\r\n")[1:]
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    assert headers["proxy-authorization"] == "Basic b3BzOnMzY3JldA=="  # ops:s3cret
    assert [r.headers["authorization"] for r in gateway.seen] == [f"Bearer {KEY}"] * 2
    assert all("proxy-authorization" not in r.headers for r in gateway.seen)
    seen_by_proxy = b"".join(tunnel_proxy.heads) + bytes(tunnel_proxy.relayed)
    assert KEY.encode() not in seen_by_proxy
    assert b"through the tunnel" not in seen_by_proxy


def test_a_gateway_certificate_not_in_the_bundle_is_refused_at_the_end_of_the_tunnel(
    tunnel_proxy: TunnelProxy,
    certificate: tuple[Path, ssl.SSLContext],
    make_hook: HookFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy answered; the gateway behind it did not prove who it is: nothing was sent."""
    _, context = certificate
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(untrusted_bundle(tmp_path)))
    use_proxy(monkeypatch, tunnel_proxy.url, scheme="https")
    with ScriptedHTTP(accepted, tls=context) as gateway:
        hook = make_hook(api_key=KEY, host=gateway.url, max_retries=0)
        with pytest.raises(WhatsAppNetworkError, match="nothing was sent"):
            hook.send_text(TO, "never written")
    assert len(tunnel_proxy.heads) == 1
    assert gateway.seen == []
    assert KEY.encode() not in bytes(tunnel_proxy.relayed)


@pytest.mark.parametrize("trusted", [True, False])
def test_an_https_proxys_certificate_is_checked_against_the_bundle(
    trusted: bool,
    certificate: tuple[Path, ssl.SSLContext],
    make_hook: HookFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A plain-http gateway behind an https proxy: the request goes to the proxy over TLS, or not at
    all when the proxy's certificate is not one the bundle trusts."""
    cert_path, context = certificate
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path if trusted else untrusted_bundle(tmp_path)))
    with ScriptedHTTP(accepted, tls=context) as proxy:
        use_proxy(monkeypatch, proxy.url)
        hook = make_hook(api_key=KEY, host="http://gateway.invalid", max_retries=0)
        if trusted:
            assert hook.send_text(TO, "to the proxy over TLS").message_id == "wamid.T1"
        else:
            with pytest.raises(WhatsAppNetworkError, match="nothing was sent"):
                hook.send_text(TO, "never written")
    forwarded = [r.path.startswith("http://gateway.invalid/whatsapp-business/") for r in proxy.seen]
    assert forwarded == ([True] if trusted else [])
