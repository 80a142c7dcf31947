"""Media upload, metadata, download from the CDN host and deletion, against the sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppInvalidRequestError,
    WhatsAppNotFoundError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_upload_get_download_delete(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, tmp_path: Path
) -> None:
    source = tmp_path / "chart.png"
    source.write_bytes(PNG)

    media_id = hook.upload_media(source)
    info = hook.get_media(media_id)
    assert (info.id, info.mime_type, info.file_size) == (media_id, "image/png", len(PNG))

    assert hook.download_media(media_id) == PNG
    target = hook.download_media(media_id, tmp_path / "copy.png")
    assert isinstance(target, Path)
    assert target.read_bytes() == PNG

    assert hook.delete_media(media_id) is True
    with pytest.raises(WhatsAppNotFoundError):
        hook.get_media(media_id)


def test_cdn_never_sees_the_maton_key(hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient) -> None:
    media_id = hook.upload_media(b"id,total\n1,2\n", "text/csv", filename="report.csv")
    hook.download_media(media_id)

    entries = sandbox_admin.cdn_requests()
    assert entries, "the download should have reached the CDN route"
    for entry in entries:
        headers = {k.lower(): v for k, v in entry["headers"].items()}
        assert "authorization" not in headers
        assert hook.config.api_key not in str(entry)


def test_upload_file_object_and_send_by_id(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.inbound("+31612345789")
    media_id = hook.upload_media(io.BytesIO(b"%PDF-1.4 report"), filename="report.pdf")
    hook.send_media("+31612345789", "document", media_id=media_id, filename="report.pdf", caption="Q3")

    (message,) = sandbox_admin.messages()
    assert message["body"]["document"] == {"id": media_id, "filename": "report.pdf", "caption": "Q3"}


@pytest.mark.parametrize(
    ("content", "mime", "rule"),
    [
        (b"GIF89a", "image/gif", "not supported"),
        (b"x" * (5 * 1024 * 1024 + 1), "image/jpeg", "at most"),
        (b"", "image/png", "empty"),
    ],
)
def test_unsupported_uploads_fail_locally(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient, content: bytes, mime: str, rule: str
) -> None:
    with pytest.raises(WhatsAppValidationError, match=rule):
        hook.upload_media(content, mime)
    assert sandbox_admin.requests_log("/media") == []


def test_send_media_needs_exactly_one_source(hook: MatonWhatsAppHook) -> None:
    with pytest.raises(WhatsAppValidationError):
        hook.send_media("+31612345789", "image", link="https://example.com/a.png", media_id="123")
    with pytest.raises(WhatsAppValidationError, match="media_type"):
        hook.send_media("+31612345789", "gif", link="https://example.com/a.gif")


def test_unknown_media_id_is_an_invalid_request(
    hook: MatonWhatsAppHook, sandbox_admin: SandboxAdminClient
) -> None:
    sandbox_admin.inbound("+31612345789")
    with pytest.raises(WhatsAppInvalidRequestError) as caught:
        hook.send_media("+31612345789", "image", media_id="999999999999999")
    assert caught.value.code == 131009
    assert sandbox_admin.messages() == []
