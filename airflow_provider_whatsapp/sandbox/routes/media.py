"""Media: upload (multipart), get (with a download url on the fake CDN), delete, and the CDN itself.

The CDN url uses ``localhost`` while clients reach the gateway at ``127.0.0.1``: a different host, as
Meta's CDN is, so tests can prove a client never sends its Maton key there (``GET /_sandbox/cdn-requests``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import invalid_parameter, unknown_object
from ..records import Media, graph_id
from ..state import KeyState
from .common import key_of, sandbox_of

router = APIRouter()

MB = 1024 * 1024
# Meta's supported media types and size limits (Cloud API "Supported media types").
MAX_SIZE_BY_MIME = {
    "audio/aac": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/mp4": 16 * MB,
    "audio/ogg": 16 * MB,
    "text/plain": 100 * MB,
    "application/pdf": 100 * MB,
    "application/vnd.ms-powerpoint": 100 * MB,
    "application/msword": 100 * MB,
    "application/vnd.ms-excel": 100 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": 100 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "image/webp": 500 * 1024,
    "video/3gpp": 16 * MB,
    "video/mp4": 16 * MB,
}
STATIC_STICKER_MAX = 100 * 1024


def is_animated_webp(data: bytes) -> bool:
    """Whether a WebP file carries the animation flag of its VP8X chunk."""
    return data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8X" and len(data) > 20 and bool(data[20] & 0x02)


def size_limit(mime_type: str, data: bytes) -> int:
    """The largest size Meta accepts for this type (static stickers: 100 KB, animated: 500 KB)."""
    if mime_type == "image/webp" and not is_animated_webp(data):
        return STATIC_STICKER_MAX
    return MAX_SIZE_BY_MIME[mime_type]


@router.post("/whatsapp-business/{version}/{object_id}/media")
async def upload_media(request: Request, object_id: str) -> JSONResponse:
    """Multipart ``file``, ``type`` (MIME type) and ``messaging_product=whatsapp``; answers ``{"id"}``."""
    key = key_of(request)
    if object_id != key.phone_number_id:
        raise unknown_object(object_id, "post")
    try:
        form = await request.form(max_part_size=MB)
    except Exception:  # any unparsable body is the same client error
        raise invalid_parameter(
            "The body must be multipart/form-data with file, type and messaging_product"
        ) from None
    if form.get("messaging_product") != "whatsapp":
        raise invalid_parameter("messaging_product must be 'whatsapp'")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise invalid_parameter("Param file is required and must be a file")
    declared = form.get("type")
    mime_type = (declared if isinstance(declared, str) and declared else upload.content_type or "").strip()
    if mime_type not in MAX_SIZE_BY_MIME:
        supported = ", ".join(sorted(MAX_SIZE_BY_MIME))
        raise invalid_parameter(
            f"Param file must be a file with one of the following types: {supported}. "
            f"Received file of type '{mime_type}'."
        )
    data = await upload.read()
    limit = size_limit(mime_type, data)
    if not data or len(data) > limit:
        raise invalid_parameter(
            f"File size {len(data)} bytes is not in 1..{limit} bytes allowed for {mime_type}"
        )
    media = Media(graph_id(), data, mime_type, hashlib.sha256(data).hexdigest(), secrets.token_urlsafe(24))
    key.media[media.id] = media
    return JSONResponse({"id": media.id})


def media_info(request: Request, media: Media) -> JSONResponse:
    """``GET /{media_id}``: where to download it, and what it is."""
    port = request.url.port or 80
    expires = int(sandbox_of(request).clock.now()) + 300
    url = f"http://localhost:{port}/_sandbox/cdn/{media.id}?token={media.token}&ext={expires}"
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "url": url,
            "mime_type": media.mime_type,
            "sha256": media.sha256,
            "file_size": str(len(media.data)),
            "id": media.id,
        }
    )


def delete_media(key: KeyState, media_id: str) -> JSONResponse:
    """``DELETE /{media_id}``."""
    del key.media[media_id]
    return JSONResponse({"success": True})


@router.get("/_sandbox/cdn/{media_id}")
async def download(request: Request, media_id: str, token: str = "") -> Response:
    """The fake CDN: the file's bytes for a valid ``token``; records the headers it received."""
    found = sandbox_of(request).find_media(media_id)
    if found is None:
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    key, media = found
    key.cdn_requests.append(
        {
            "time": key.now(),
            "media_id": media_id,
            "host": request.headers.get("host"),
            "headers": dict(request.headers),
        }
    )
    if not hmac.compare_digest(token, media.token):
        return Response(b"Forbidden", status_code=403, media_type="text/plain")
    return Response(media.data, media_type=media.mime_type)
