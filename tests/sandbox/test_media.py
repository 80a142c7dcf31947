"""Media: upload, get (CDN url on another host), download, delete, MIME types and size limits."""

from __future__ import annotations

import hashlib

import pytest
import requests

from .conftest import Client

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


def upload(client: Client, data: bytes, mime_type: str, name: str = "file.bin") -> requests.Response:
    return client.gateway(
        "POST",
        f"{client.phone_number_id}/media",
        files={"file": (name, data, mime_type)},
        data={"type": mime_type, "messaging_product": "whatsapp"},
    )


def test_upload_get_download_delete(client: Client) -> None:
    media_id = upload(client, PNG, "image/png").json()["id"]
    info = client.gateway("GET", media_id).json()
    assert info["id"] == media_id
    assert info["mime_type"] == "image/png"
    assert info["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert info["file_size"] == str(len(PNG))
    assert info["messaging_product"] == "whatsapp"
    assert info["url"].startswith("http://localhost:")  # not the gateway's 127.0.0.1: another host
    downloaded = requests.get(info["url"], headers={"User-Agent": "test"}, timeout=10)
    assert downloaded.content == PNG
    assert downloaded.headers["content-type"] == "image/png"
    seen = client.admin("GET", "cdn-requests").json()["data"]
    assert seen[0]["media_id"] == media_id
    assert client.api_key not in repr(seen)
    assert "authorization" not in seen[0]["headers"]

    client.inbound()
    assert client.send({"type": "image", "image": {"id": media_id}}).status_code == 200
    assert client.gateway("DELETE", media_id).json() == {"success": True}
    gone = client.gateway("GET", media_id)
    assert (gone.status_code, gone.json()["error"]["error_subcode"]) == (400, 33)
    assert client.send({"type": "image", "image": {"id": media_id}}).json()["error"]["code"] == 131009


def test_cdn_needs_the_token(client: Client) -> None:
    media_id = upload(client, b"hello", "text/plain").json()["id"]
    url = client.gateway("GET", media_id).json()["url"].split("?")[0]
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code == 403


@pytest.mark.parametrize(
    ("mime_type", "size", "accepted"),
    [
        ("image/jpeg", 5 * 1024 * 1024, True),
        ("image/jpeg", 5 * 1024 * 1024 + 1, False),
        ("audio/ogg", 1000, True),
        ("video/3gpp", 1000, True),
        ("application/pdf", 1000, True),
        ("image/gif", 1000, False),
        ("application/zip", 1000, False),
        ("image/webp", 100 * 1024, True),
        ("image/webp", 100 * 1024 + 1, False),
    ],
)
def test_types_and_limits(client: Client, mime_type: str, size: int, accepted: bool) -> None:
    answer = upload(client, b"x" * size, mime_type)
    assert (answer.status_code == 200) is accepted, answer.text
    if not accepted:
        assert answer.json()["error"]["code"] == 100


def test_animated_sticker_may_be_larger(client: Client) -> None:
    header = b"RIFF" + (0).to_bytes(4, "little") + b"WEBPVP8X" + (10).to_bytes(4, "little") + b"\x02"
    animated = header + b"\0" * (300 * 1024)
    assert upload(client, animated, "image/webp").status_code == 200


def test_upload_needs_messaging_product(client: Client) -> None:
    answer = client.gateway(
        "POST",
        f"{client.phone_number_id}/media",
        files={"file": ("a.png", PNG, "image/png")},
        data={"type": "image/png"},
    )
    assert answer.status_code == 400
