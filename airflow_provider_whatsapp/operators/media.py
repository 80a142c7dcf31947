"""Upload a file to WhatsApp, so that messages can send it by media id."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.operators.base import WhatsAppBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath


class WhatsAppUploadMediaOperator(WhatsAppBaseOperator):
    """Upload a local file or an :class:`~airflow.sdk.ObjectStoragePath` and push the media id.

    The media id (XCom ``return_value``) is valid for 30 days; send it with
    ``{"type": "document", "document": {"id": "{{ ti.xcom_pull('upload') }}"}}``.

    :param file_path: Local path, ``ObjectStoragePath``, or a URL string such as ``s3://bucket/key``
        read through Airflow's object storage (templated).
    :param mime_type: MIME type; guessed from the file name when empty (templated).
    :param filename: File name shown to recipients of a document; defaults to the path's name (templated).
    """

    template_fields: Sequence[str] = (
        *WhatsAppBaseOperator.template_fields,
        "file_path",
        "mime_type",
        "filename",
    )

    def __init__(
        self,
        *,
        file_path: str | os.PathLike[str] | ObjectStoragePath,
        mime_type: str | None = None,
        filename: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.file_path = file_path
        self.mime_type = mime_type
        self.filename = filename

    def execute(self, context: Context) -> str:
        """Upload the file; local files go by path, object storage as a stream."""
        from airflow.sdk import ObjectStoragePath

        path = self.file_path
        if isinstance(path, str) and "://" in path:
            path = ObjectStoragePath(path)
        if isinstance(path, ObjectStoragePath):
            filename = self.filename or path.name
            with path.open("rb") as stream:  # type: ignore[no-untyped-call]
                media_id = self.hook.upload_media(stream, self.mime_type, filename=filename)
        else:
            local = os.fspath(path)
            filename = self.filename or os.path.basename(local)
            media_id = self.hook.upload_media(local, self.mime_type, filename=filename)
        self.log.info("Uploaded %s as media %s", filename, media_id)
        return media_id
