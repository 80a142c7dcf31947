"""Media the Cloud API accepts for upload: MIME types and size limits per media kind.

Source: Meta, "Supported media types" (Cloud API reference, Media). Checked before uploading so that a
file the API would refuse fails locally with the rule it breaks, and nothing is sent.
"""

from __future__ import annotations

import mimetypes

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

MB = 1024 * 1024
KB = 1024

#: MIME type -> (media kind, maximum size in bytes).
SUPPORTED_MEDIA: dict[str, tuple[str, int]] = {
    "audio/aac": ("audio", 16 * MB),
    "audio/amr": ("audio", 16 * MB),
    "audio/mpeg": ("audio", 16 * MB),
    "audio/mp4": ("audio", 16 * MB),
    "audio/ogg": ("audio", 16 * MB),
    "text/plain": ("document", 100 * MB),
    "application/pdf": ("document", 100 * MB),
    "application/vnd.ms-powerpoint": ("document", 100 * MB),
    "application/msword": ("document", 100 * MB),
    "application/vnd.ms-excel": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("document", 100 * MB),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("document", 100 * MB),
    "image/jpeg": ("image", 5 * MB),
    "image/png": ("image", 5 * MB),
    # Stickers: 100 KB static, 500 KB animated; the type alone cannot tell them apart.
    "image/webp": ("sticker", 500 * KB),
    "video/3gpp": ("video", 16 * MB),
    "video/mp4": ("video", 16 * MB),
}


#: Types the Cloud API does not list but that are plain text to WhatsApp: uploaded as ``text/plain``
#: (the file name, and so the extension the customer sees, is kept).
PLAIN_TEXT_ALIASES = frozenset({"text/csv", "text/tab-separated-values", "application/json", "text/markdown"})


def guess_mime_type(filename: str | None) -> str | None:
    """The MIME type for a file name by its extension, or None."""
    if not filename:
        return None
    mime, _ = mimetypes.guess_type(filename)
    return mime


#: The largest media the Cloud API takes (documents): the cap on any download.
MAX_MEDIA_BYTES = max(limit for _, limit in SUPPORTED_MEDIA.values())


def upload_limit(mime_type: str) -> int:
    """The largest upload of a supported MIME type, in bytes."""
    return SUPPORTED_MEDIA[mime_type][1]


def check_upload(mime_type: str | None, size: int | None, *, filename: str | None = None) -> tuple[str, str]:
    """Validate an upload; return ``(mime_type, media kind)`` or raise naming the rule broken.

    ``size`` None (a stream of unknown length) checks the type only.
    """
    mime = (mime_type or guess_mime_type(filename) or "").lower()
    if mime in PLAIN_TEXT_ALIASES:
        mime = "text/plain"
    if not mime:
        raise WhatsAppValidationError([("mime_type", "cannot be guessed from the file name: pass mime_type")])
    if mime not in SUPPORTED_MEDIA:
        supported = ", ".join(sorted(SUPPORTED_MEDIA))
        raise WhatsAppValidationError([("mime_type", f"{mime!r} is not supported; one of {supported}")])
    kind, limit = SUPPORTED_MEDIA[mime]
    if size is None:
        return mime, kind
    if size <= 0:
        raise WhatsAppValidationError([("file", "is empty")])
    if size > limit:
        raise WhatsAppValidationError(
            [("file", f"{kind} files are at most {limit // KB} KB; got {size // KB} KB")]
        )
    return mime, kind
