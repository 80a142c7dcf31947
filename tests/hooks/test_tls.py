"""TLS over a real TLS socket: a failure in the handshake reached nobody, one while the answer is read
came after the whole send reached the gateway, so the send is never repeated; the CA bundle used."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from airflow_provider_whatsapp.exceptions import (
    WhatsAppNetworkError,
    WhatsAppUnknownOutcomeError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.pools import tls_settings
from tests.hooks.conftest import HookFactory
from tests.raw_server import raw_server

TO = "+31612345789"
#: An application-data record that no TLS session can decrypt: the client's read fails on it.
BAD_RECORD = b"\x17\x03\x03\x00\x10" + b"\x00" * 16
LOOPBACK = ipaddress.ip_address("127.0.0.1")


@dataclass
class TLSGateway:
    """A TLS server on loopback that reads each request whole, keeps it, then answers a broken record."""

    url: str
    certificate: Path
    requests: list[bytes] = field(default_factory=list)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(LOOPBACK)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "gateway.pem", directory / "gateway.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def read_request(connection: ssl.SSLSocket) -> bytes:
    """One HTTP request, headers and the body its Content-Length announces."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    headers = dict(line.lower().split(b":", 1) for line in head.split(b"\r\n")[1:])
    length = int(headers.get(b"content-length", b"0"))
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def tls_gateway(tmp_path: Path) -> Iterator[TLSGateway]:
    cert_path, key_path = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    requests: list[bytes] = []

    def answer_a_broken_record(raw: socket.socket) -> None:
        try:
            with context.wrap_socket(raw, server_side=True) as connection:
                requests.append(read_request(connection))
                plain = socket.socket(fileno=connection.detach())
                plain.sendall(BAD_RECORD)
                plain.close()
        except (OSError, ssl.SSLError):
            raw.close()  # a client that refused the certificate

    with raw_server(answer_a_broken_record) as port:
        yield TLSGateway(f"https://127.0.0.1:{port}", cert_path, requests)


def test_a_tls_error_while_the_answer_is_read_makes_the_send_unknown_not_repeated(
    tls_gateway: TLSGateway, make_hook: HookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_gateway.certificate))
    hook = make_hook(host=tls_gateway.url, max_retries=3)
    with pytest.raises(WhatsAppUnknownOutcomeError) as caught:
        hook.send_text(TO, "only once")
    assert not caught.value.retryable
    assert len(tls_gateway.requests) == 1, "the send reached the gateway once and was not repeated"
    assert b"only once" in tls_gateway.requests[0]


def test_a_refused_certificate_is_a_handshake_failure_retried_with_nothing_sent(
    tls_gateway: TLSGateway, make_hook: HookFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the gateway's certificate in the bundle, the client refuses it in the handshake."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    hook = make_hook(host=tls_gateway.url, max_retries=1)
    with pytest.raises(WhatsAppNetworkError, match="nothing was sent") as caught:
        hook.send_text(TO, "never written")
    assert not isinstance(caught.value, WhatsAppUnknownOutcomeError)
    assert caught.value.retryable
    assert "(SSLCertVerificationError)" in str(caught.value)
    assert tls_gateway.requests == []


@pytest.mark.parametrize(
    ("variables", "where"),
    [
        ({}, None),
        ({"REQUESTS_CA_BUNDLE": "requests.pem"}, "requests.pem"),
        ({"CURL_CA_BUNDLE": "curl.pem"}, "curl.pem"),
        ({"REQUESTS_CA_BUNDLE": "requests.pem", "CURL_CA_BUNDLE": "curl.pem"}, "requests.pem"),
        ({"REQUESTS_CA_BUNDLE": "."}, "."),
    ],
)
def test_the_ca_bundle_is_the_one_the_environment_names_else_certifis(
    variables: dict[str, str], where: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """requests' own variables (a file or a folder), as requests reads them; that the named bundle is
    what verifies a real gateway is the first test of this file."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        (tmp_path / value).touch()
        monkeypatch.setenv(name, str(tmp_path / value))
    bundle = str(tmp_path / where) if where else certifi.where()
    setting = {"ca_cert_dir": bundle} if where == "." else {"ca_certs": bundle}
    assert tls_settings() == {"cert_reqs": "CERT_REQUIRED", **setting}


def test_a_ca_bundle_that_is_not_there_is_refused_before_anything_is_sent(
    tls_gateway: TLSGateway, make_hook: HookFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "moved.pem"))
    hook = make_hook(host=tls_gateway.url, max_retries=3)
    with pytest.raises(WhatsAppValidationError, match="REQUESTS_CA_BUNDLE: names no file or folder"):
        hook.send_text(TO, "never written")
    assert tls_gateway.requests == []
