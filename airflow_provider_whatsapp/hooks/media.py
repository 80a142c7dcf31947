"""Uploading, reading, downloading and deleting media, with sizes bounded before any byte is read."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO

from airflow_provider_whatsapp.exceptions import WhatsAppAPIError, WhatsAppValidationError
from airflow_provider_whatsapp.hooks.base import WhatsAppBaseHook
from airflow_provider_whatsapp.hooks.client import write_atomically
from airflow_provider_whatsapp.models import MediaInfo
from airflow_provider_whatsapp.models.uploads import MAX_MEDIA_BYTES, check_upload, upload_limit
from airflow_provider_whatsapp.utils import ids

FileInput = str | os.PathLike[str] | bytes | IO[bytes]
#: How long a media download may take in all, however slowly the CDN sends its bytes.
DOWNLOAD_DEADLINE_SECONDS = 300.0


class WhatsAppMediaMixin(WhatsAppBaseHook):
    """``/{phone_number_id}/media`` and ``/{media_id}``; downloads from Meta's CDN go without the key."""

    def upload_media(
        self,
        file: FileInput,
        mime_type: str | None = None,
        *,
        filename: str | None = None,
        phone_number_id: str | None = None,
    ) -> str:
        """Upload a file (path, bytes or binary file object); return its media id for sends.

        The type and size are checked first, from the file's size (a path's or a seekable stream's)
        before it is read: a file larger than its kind allows is refused unread.
        """
        name = _file_name(file, filename)
        mime, kind = check_upload(mime_type, _size(file), filename=name)
        content = _read(file, upload_limit(mime))
        check_upload(mime, len(content), filename=name)  # a stream of unknown size, read to its limit
        sender = self.sender(phone_number_id)
        self.log.info("Uploading %s (%s, %d bytes)", name, mime, len(content))
        answer = self.client.graph(
            "POST",
            f"{sender}/media",
            form={"messaging_product": "whatsapp", "type": mime, "file": (name, content, mime)},
        )
        media_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(media_id, (str, int)) or isinstance(media_id, bool):
            raise WhatsAppAPIError("unexpected answer to the upload: no media id")
        self.log.info("Uploaded %s as %s media %s", name, kind, media_id)
        return str(media_id)

    def get_media(self, media_id: str) -> MediaInfo:
        """Metadata of an uploaded media object, with its short-lived download URL."""
        path = ids.graph_id(media_id, "media_id")
        return self.answer(MediaInfo, self.client.graph("GET", path), "GET media")

    def download_media(
        self,
        media_id: str,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = DOWNLOAD_DEADLINE_SECONDS,
    ) -> bytes | Path:
        """Download a media object, into ``path`` (returned; written whole or not at all) or as bytes.

        At most the Cloud API's largest media size is accepted, within ``timeout`` seconds in all.
        """
        url = self.get_media(media_id).url
        if not url:
            raise WhatsAppAPIError(f"media {media_id} has no download URL")

        def fill(out: IO[bytes]) -> None:
            self.client.download(url, out, max_bytes=MAX_MEDIA_BYTES, deadline_seconds=timeout)

        if path is not None:
            return write_atomically(Path(path), fill)
        buffer = io.BytesIO()
        fill(buffer)
        return buffer.getvalue()

    def delete_media(self, media_id: str) -> bool:
        """Delete an uploaded media object."""
        answer = self.client.graph("DELETE", ids.graph_id(media_id, "media_id"))
        return bool(answer.get("success"))


def _file_name(file: FileInput, filename: str | None) -> str:
    if filename:
        return filename
    if isinstance(file, (str, os.PathLike)):
        return Path(file).name
    if isinstance(file, bytes):
        return "upload.bin"
    return os.path.basename(str(getattr(file, "name", "") or "upload.bin"))


def _size(file: FileInput) -> int | None:
    """The file's size without reading it, when it can be known (a path, bytes, a seekable stream)."""
    if isinstance(file, bytes):
        return len(file)
    if isinstance(file, (str, os.PathLike)):
        return Path(file).stat().st_size
    if isinstance(file, io.TextIOBase):
        raise WhatsAppValidationError([("file", "must be opened in binary mode")])
    if file.seekable():
        here = file.tell()
        end = file.seek(0, io.SEEK_END)
        file.seek(here)
        return end - here
    return None


def _read(file: FileInput, limit: int) -> bytes:
    """The file's bytes, at most ``limit + 1`` of them (one more tells that it was too big)."""
    if isinstance(file, bytes):
        return file
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as stream:
            return stream.read(limit + 1)
    return file.read(limit + 1)
