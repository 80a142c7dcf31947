"""``MatonWhatsAppHook``: every endpoint of Maton's WhatsApp Business gateway and its control plane.

Messages are validated locally (typed models, Meta's limits) before any request; sends are never
retried blindly after the gateway may have accepted them; the Maton key is registered with Airflow's
secret masker and appears in no repr, log line or exception; recipient numbers are logged masked.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from airflow.sdk import BaseHook

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID, GATEWAY_APP
from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppUnknownOutcomeError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.client import GatewayClient
from airflow_provider_whatsapp.hooks.config import GatewayConfig
from airflow_provider_whatsapp.hooks.transport import RetryPolicy
from airflow_provider_whatsapp.models import (
    BusinessProfile,
    BusinessProfileUpdate,
    MatonConnection,
    MediaInfo,
    Message,
    PhoneNumberInfo,
    SendResult,
    TemplateCreateResult,
    TemplateDefinition,
    TemplateEdit,
    TemplateInfo,
    build_message_body,
    build_template_message,
    validate_model,
)
from airflow_provider_whatsapp.models.phone import mask_phone, redact_number
from airflow_provider_whatsapp.models.uploads import check_upload

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
PROFILE_FIELDS = "about,address,description,email,profile_picture_url,websites,vertical"
TEMPLATE_FIELDS = "id,name,language,status,category,components,rejected_reason,parameter_format"

FileInput = str | os.PathLike[str] | bytes | IO[bytes]


def _mask_recipient(error: WhatsAppAPIError, to: str) -> None:
    """Graph messages can quote the recipient's number: mask it before the error travels on."""
    error.message = redact_number(error.message, to)
    if error.details:
        error.details = redact_number(error.details, to)
    error.args = (error._describe(),)


class MatonWhatsAppHook(BaseHook):
    """Talk to the WhatsApp Business Cloud API through Maton's managed-OAuth gateway.

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp``.
    :param phone_number_id: sender; overrides the connection's ``phone_number_id``.
    :param waba_id: WhatsApp Business Account; overrides the connection's ``waba_id``.
    """

    conn_name_attr = "maton_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "maton_whatsapp"
    hook_name = "WhatsApp Business (Maton)"

    def __init__(
        self,
        maton_conn_id: str = default_conn_name,
        *,
        phone_number_id: str | None = None,
        waba_id: str | None = None,
    ) -> None:
        super().__init__()
        self.maton_conn_id = maton_conn_id
        self._phone_number_id = phone_number_id
        self._waba_id = waba_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(maton_conn_id={self.maton_conn_id!r})"

    @cached_property
    def config(self) -> GatewayConfig:
        """Settings from the Airflow connection, read once; the key is masked in Airflow's logs."""
        config = GatewayConfig.from_connection(BaseHook.get_connection(self.maton_conn_id))
        _mask_secret(config.api_key)
        return config

    @cached_property
    def client(self) -> GatewayClient:
        """The pooled HTTP client (one session per hook)."""
        return GatewayClient(self.config)

    def get_conn(self) -> GatewayClient:
        """Airflow's conventional accessor for the underlying client."""
        return self.client

    @property
    def phone_number_id(self) -> str:
        """The default sender, from the hook argument or the connection."""
        value = self._phone_number_id or self.config.phone_number_id
        if not value:
            raise WhatsAppValidationError(
                [("phone_number_id", "required: set it on the hook or the connection")]
            )
        return value

    @property
    def waba_id(self) -> str:
        """The WhatsApp Business Account, from the hook argument or the connection."""
        value = self._waba_id or self.config.waba_id
        if not value:
            raise WhatsAppValidationError([("waba_id", "required: set it on the hook or the connection")])
        return value

    # Messages -----------------------------------------------------------------------------------

    def send_message(
        self,
        to: str,
        message: Message | Mapping[str, Any],
        *,
        phone_number_id: str | None = None,
        reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
        retry_unknown_outcome: bool = False,
    ) -> SendResult:
        """Send any message type (a typed model or a dict in the Cloud API's shape) to one recipient.

        Raises :class:`WhatsAppValidationError` before any request when the message breaks a rule, and
        :class:`WhatsAppUnknownOutcomeError` when the gateway may have accepted it but no answer came.
        """
        body = build_message_body(
            to, message, reply_to=reply_to, biz_opaque_callback_data=biz_opaque_callback_data
        )
        sender = phone_number_id or self.phone_number_id
        self.log.debug("Sending %s message to %s from %s", body["type"], mask_phone(body["to"]), sender)
        try:
            answer = self.client.graph(
                "POST", f"{sender}/messages", json=body, retry_unknown_outcome=retry_unknown_outcome
            )
        except WhatsAppAPIError as error:
            _mask_recipient(error, body["to"])
            self.log.warning("Message to %s refused: %s", mask_phone(body["to"]), error)
            raise
        try:
            result = SendResult.from_response(answer)
        except WhatsAppValidationError as error:
            raise WhatsAppUnknownOutcomeError(
                f"The gateway accepted the message to {mask_phone(body['to'])} but its answer has no "
                f"message id ({error}); it is not sent again."
            ) from error
        self.log.info("Accepted %s for %s", result.message_id, mask_phone(body["to"]))
        return result

    def send_text(self, to: str, body: str, *, preview_url: bool = False, **send_kwargs: Any) -> SendResult:
        """Send a free-form text (at most 4096 characters); needs an open 24-hour window."""
        return self.send_message(
            to, {"type": "text", "text": {"body": body, "preview_url": preview_url}}, **send_kwargs
        )

    def send_template(
        self,
        to: str,
        name: str,
        language: str = "en_US",
        *,
        body: Sequence[Any] | None = None,
        header: Any = None,
        buttons: Sequence[Any] | None = None,
        components: Sequence[Mapping[str, Any]] | None = None,
        **send_kwargs: Any,
    ) -> SendResult:
        """Send an approved template; ``body``/``header``/``buttons`` fill its parameters in order.

        ``components`` takes the Cloud API's own list instead, for anything the shortcuts don't cover.
        """
        if components is not None:
            template: dict[str, Any] = {
                "name": name,
                "language": {"code": language},
                "components": list(components),
            }
            return self.send_message(to, {"type": "template", "template": template}, **send_kwargs)
        message = build_template_message(name, language, body=body, header=header, buttons=buttons)
        return self.send_message(to, message, **send_kwargs)

    def send_media(
        self,
        to: str,
        media_type: str,
        *,
        link: str | None = None,
        media_id: str | None = None,
        caption: str | None = None,
        filename: str | None = None,
        **send_kwargs: Any,
    ) -> SendResult:
        """Send an image, video, audio, document or sticker, by public ``link`` or uploaded ``media_id``."""
        if media_type not in MEDIA_TYPES:
            raise WhatsAppValidationError([("media_type", f"must be one of {', '.join(MEDIA_TYPES)}")])
        media = {"link": link, "id": media_id, "caption": caption, "filename": filename}
        payload = {key: value for key, value in media.items() if value is not None}
        return self.send_message(to, {"type": media_type, media_type: payload}, **send_kwargs)

    def send_location(
        self,
        to: str,
        latitude: float,
        longitude: float,
        *,
        name: str | None = None,
        address: str | None = None,
        **send_kwargs: Any,
    ) -> SendResult:
        """Send a map pin."""
        location = {"latitude": latitude, "longitude": longitude, "name": name, "address": address}
        payload = {key: value for key, value in location.items() if value is not None}
        return self.send_message(to, {"type": "location", "location": payload}, **send_kwargs)

    def send_contacts(self, to: str, contacts: Sequence[Mapping[str, Any]], **send_kwargs: Any) -> SendResult:
        """Send one or more contact cards (the Cloud API's contact objects)."""
        return self.send_message(to, {"type": "contacts", "contacts": list(contacts)}, **send_kwargs)

    def send_interactive(self, to: str, interactive: Mapping[str, Any], **send_kwargs: Any) -> SendResult:
        """Send reply buttons, a list, a call-to-action URL or a location request."""
        return self.send_message(to, {"type": "interactive", "interactive": dict(interactive)}, **send_kwargs)

    def send_reaction(self, to: str, message_id: str, emoji: str, **send_kwargs: Any) -> SendResult:
        """React to a message with an emoji; an empty ``emoji`` removes the reaction."""
        reaction = {"message_id": message_id, "emoji": emoji}
        return self.send_message(to, {"type": "reaction", "reaction": reaction}, **send_kwargs)

    def mark_as_read(self, message_id: str, *, phone_number_id: str | None = None) -> bool:
        """Mark an inbound message as read (blue ticks). Safe to repeat."""
        if not message_id:
            raise WhatsAppValidationError([("message_id", "required")])
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        sender = phone_number_id or self.phone_number_id
        answer = self.client.graph("POST", f"{sender}/messages", json=body, policy=RetryPolicy.IDEMPOTENT)
        return bool(answer.get("success"))

    # Media --------------------------------------------------------------------------------------

    def upload_media(
        self,
        file: FileInput,
        mime_type: str | None = None,
        *,
        filename: str | None = None,
        phone_number_id: str | None = None,
    ) -> str:
        """Upload a file (path, bytes or binary file object); return its media id for sends."""
        content, name = _read_file(file, filename)
        mime, kind = check_upload(mime_type, len(content), filename=name)
        sender = phone_number_id or self.phone_number_id
        self.log.info("Uploading %s (%s, %d bytes)", name, mime, len(content))
        answer = self.client.graph(
            "POST",
            f"{sender}/media",
            data={"messaging_product": "whatsapp", "type": mime},
            files={"file": (name, content, mime)},
        )
        media_id = str(answer["id"])
        self.log.info("Uploaded %s as %s media %s", name, kind, media_id)
        return media_id

    def get_media(self, media_id: str) -> MediaInfo:
        """Metadata of an uploaded media object, with its short-lived download URL."""
        return MediaInfo.model_validate(self.client.graph("GET", _segment(media_id, "media_id")))

    def download_media(self, media_id: str, path: str | os.PathLike[str] | None = None) -> bytes | Path:
        """Download a media object's bytes, or write them to ``path`` and return that path."""
        url = self.get_media(media_id).url
        if not url:
            raise WhatsAppAPIError(f"media {media_id} has no download URL")
        content = self.client.download(url)
        if path is None:
            return content
        target = Path(path)
        target.write_bytes(content)
        return target

    def delete_media(self, media_id: str) -> bool:
        """Delete an uploaded media object."""
        return bool(self.client.graph("DELETE", _segment(media_id, "media_id")).get("success"))

    # Templates ----------------------------------------------------------------------------------

    def list_templates(
        self,
        status: str | None = None,
        *,
        name: str | None = None,
        limit: int | None = None,
        waba_id: str | None = None,
    ) -> Iterator[TemplateInfo]:
        """Iterate over every template of the account, page by page (``limit`` is the page size).

        Pages are fetched by rebuilding the gateway URL with the ``after`` cursor: Graph's
        ``paging.next`` points at Meta's host and can carry a token, so it is never followed or logged.
        """
        params: dict[str, Any] = {"fields": TEMPLATE_FIELDS}
        params.update(
            {k: v for k, v in {"status": status, "name": name, "limit": limit}.items() if v is not None}
        )
        path = f"{waba_id or self.waba_id}/message_templates"
        while True:
            page = self.client.graph("GET", path, params=params)
            for item in page.get("data", []):
                yield TemplateInfo.model_validate(item)
            paging = page.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after or after == params.get("after"):
                return
            params["after"] = after

    def get_template(self, template_id: str) -> TemplateInfo:
        """One template by id."""
        answer = self.client.graph(
            "GET", _segment(template_id, "template_id"), params={"fields": TEMPLATE_FIELDS}
        )
        return TemplateInfo.model_validate(answer)

    def find_template(self, name: str, language: str, *, waba_id: str | None = None) -> TemplateInfo | None:
        """The template with this name in this language, or None."""
        matches = self.list_templates(name=name, waba_id=waba_id)  # Graph's filter also matches parts
        return next((t for t in matches if t.name == name and t.language == language), None)

    def create_template(
        self, template: TemplateDefinition | Mapping[str, Any], *, waba_id: str | None = None
    ) -> TemplateCreateResult:
        """Submit a template for review; it starts PENDING."""
        definition = validate_model(TemplateDefinition, template)
        body = definition.to_api()
        answer = self.client.graph("POST", f"{waba_id or self.waba_id}/message_templates", json=body)
        return TemplateCreateResult.model_validate(answer)

    def update_template(
        self,
        template_id: str,
        *,
        components: Sequence[Mapping[str, Any]] | None = None,
        category: str | None = None,
    ) -> bool:
        """Edit an existing template's components or category (Meta re-reviews it)."""
        edit = validate_model(
            TemplateEdit,
            {"components": None if components is None else list(components), "category": category},
        )
        body = edit.to_api()
        answer = self.client.graph(
            "POST", _segment(template_id, "template_id"), json=body, policy=RetryPolicy.IDEMPOTENT
        )
        return bool(answer.get("success"))

    def delete_template(self, name: str, *, hsm_id: str | None = None, waba_id: str | None = None) -> bool:
        """Delete a template by name (every language), or one of them with ``hsm_id``."""
        params = {"name": name, **({"hsm_id": hsm_id} if hsm_id else {})}
        answer = self.client.graph("DELETE", f"{waba_id or self.waba_id}/message_templates", params=params)
        return bool(answer.get("success"))

    # Phone numbers and business profile -------------------------------------------------------------

    def get_phone_number(
        self, phone_number_id: str | None = None, *, fields: str | None = None
    ) -> PhoneNumberInfo:
        """A business phone number's details (display number, verified name, quality rating...)."""
        params = {"fields": fields} if fields else None
        answer = self.client.graph(
            "GET", _segment(phone_number_id or self.phone_number_id, "phone_number_id"), params=params
        )
        return PhoneNumberInfo.model_validate(answer)

    def list_phone_numbers(self, waba_id: str | None = None) -> list[PhoneNumberInfo]:
        """The business phone numbers of the account."""
        answer = self.client.graph("GET", f"{waba_id or self.waba_id}/phone_numbers")
        return [PhoneNumberInfo.model_validate(item) for item in answer.get("data", [])]

    def get_business_profile(
        self, fields: str | Sequence[str] | None = None, *, phone_number_id: str | None = None
    ) -> BusinessProfile:
        """The business profile shown to customers."""
        wanted = fields if isinstance(fields, str) else ",".join(fields or PROFILE_FIELDS.split(","))
        sender = phone_number_id or self.phone_number_id
        answer = self.client.graph("GET", f"{sender}/whatsapp_business_profile", params={"fields": wanted})
        return BusinessProfile.from_response(answer)

    def update_business_profile(
        self,
        profile: BusinessProfileUpdate | Mapping[str, Any] | None = None,
        *,
        phone_number_id: str | None = None,
        **fields: Any,
    ) -> bool:
        """Update profile fields (about, address, description, email, websites, vertical...)."""
        if isinstance(profile, BusinessProfileUpdate):
            update = profile.model_copy(update=fields) if fields else profile
        else:
            update = validate_model(BusinessProfileUpdate, {**dict(profile or {}), **fields})
        body = update.to_api()
        sender = phone_number_id or self.phone_number_id
        answer = self.client.graph(
            "POST", f"{sender}/whatsapp_business_profile", json=body, policy=RetryPolicy.IDEMPOTENT
        )
        return bool(answer.get("success"))

    # Maton connections (control plane) ------------------------------------------------------------

    def list_connections(self, status: str | None = None) -> list[MatonConnection]:
        """The account's whatsapp-business OAuth connections, optionally only those in ``status``."""
        params = {"app": GATEWAY_APP, **({"status": status} if status else {})}
        answer = self.client.control("GET", params=params)
        return [MatonConnection.model_validate(item) for item in answer.get("connections", [])]

    def create_connection(self) -> MatonConnection:
        """Start a new OAuth connection; it is PENDING until someone opens its ``url``."""
        answer = self.client.control("POST", json={"app": GATEWAY_APP})
        return MatonConnection.from_response(answer)

    def get_connection(self, connection_id: str) -> MatonConnection:  # type: ignore[override]
        """One Maton connection by id.

        The name is the gateway's; it shadows ``BaseHook.get_connection``, which this hook reaches
        explicitly as ``BaseHook.get_connection`` to read its Airflow connection.
        """
        answer = self.client.control("GET", _segment(connection_id, "connection_id"))
        return MatonConnection.from_response(answer)

    def delete_connection(self, connection_id: str) -> bool:
        """Delete a Maton connection."""
        self.client.control("DELETE", _segment(connection_id, "connection_id"))
        return True

    def test_connection(self) -> tuple[bool, str]:
        """For the connection form's Test button: the key works and an ACTIVE connection exists."""
        try:
            active = self.list_connections(status="ACTIVE")
            if not active:
                return False, "The key works, but it has no ACTIVE whatsapp-business connection at Maton."
            if self.config.connection_id and all(
                c.connection_id != self.config.connection_id for c in active
            ):
                return False, f"Maton connection {self.config.connection_id} is not ACTIVE."
            if self._phone_number_id or self.config.phone_number_id:
                number = self.get_phone_number()
                return True, f"Connected: sending as {number.display_phone_number or number.id}."
            return True, f"Connected: {len(active)} ACTIVE whatsapp-business connection(s)."
        except (WhatsAppAPIError, WhatsAppValidationError) as error:
            return False, str(error)


def _segment(value: str, field: str) -> str:
    """An id used as a path segment: non-empty and free of characters that would change the path."""
    text = str(value).strip()
    if not text or any(ch in text for ch in "/?#&%\\ "):
        raise WhatsAppValidationError(
            [(field, "must be a non-empty id without '/', '?', '#', '&', '%' or spaces")]
        )
    return text


def _read_file(file: FileInput, filename: str | None) -> tuple[bytes, str]:
    """Bytes and a file name from a path, bytes or binary file object."""
    if isinstance(file, bytes):
        return file, filename or "upload.bin"
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        return path.read_bytes(), filename or path.name
    if isinstance(file, io.TextIOBase):
        raise WhatsAppValidationError([("file", "must be opened in binary mode")])
    return file.read(), filename or os.path.basename(str(getattr(file, "name", "") or "upload.bin"))


def _mask_secret(secret: str) -> None:
    """Register the key with Airflow's secret masker (task logs, rendered fields, XCom)."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # Airflow 3.0
        from airflow.sdk.execution_time.secrets_masker import mask_secret  # type: ignore[no-redef]
    mask_secret(secret)
