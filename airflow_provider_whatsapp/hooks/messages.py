"""Sending messages of every type, and read receipts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppUnknownOutcomeError,
    WhatsAppValidationError,
)
from airflow_provider_whatsapp.hooks.templates import WhatsAppTemplatesMixin
from airflow_provider_whatsapp.hooks.transport import RetryPolicy
from airflow_provider_whatsapp.models import (
    Message,
    SendResult,
    TemplateMessage,
    build_message_body,
    build_template_message,
    validate_model,
)
from airflow_provider_whatsapp.utils.phone import mask_phone

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")


class WhatsAppMessagesMixin(WhatsAppTemplatesMixin):
    """``POST /{phone_number_id}/messages``: one method per message type over one validated send
    (template sends can be checked against the account's templates first)."""

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
        :class:`WhatsAppUnknownOutcomeError` when the gateway may have accepted it but no answer came
        (or an answer without a message id).
        """
        body = build_message_body(
            to, message, reply_to=reply_to, biz_opaque_callback_data=biz_opaque_callback_data
        )
        return self.send_body(
            body, phone_number_id=phone_number_id, retry_unknown_outcome=retry_unknown_outcome
        )

    def send_body(
        self,
        body: Mapping[str, Any],
        *,
        phone_number_id: str | None = None,
        retry_unknown_outcome: bool = False,
    ) -> SendResult:
        """Send a complete ``POST /messages`` body made (and so checked) by ``build_message_body``.

        For senders that check every message of a delivery before its first send, then send without
        checking each one again.
        """
        recipient = mask_phone(body["to"])
        sender = self.sender(phone_number_id)
        self.log.debug("Sending %s message to %s from %s", body["type"], recipient, sender)
        try:
            answer = self.client.graph(
                "POST",
                f"{sender}/messages",
                json=body,
                retry_unknown_outcome=retry_unknown_outcome,
                numbers=(body["to"],),
            )
        except WhatsAppAPIError as error:
            self.log.warning("Message to %s refused: %s", recipient, error)
            raise
        try:
            result = SendResult.from_response(answer)
        except WhatsAppValidationError as error:
            raise WhatsAppUnknownOutcomeError(
                f"The gateway accepted the message to {recipient} but its answer is not what the Cloud "
                f"API documents ({error}); it is not sent again."
            ) from None
        self.log.debug("Accepted %s for %s", result.message_id, recipient)  # bulk sends make thousands
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
        body: Sequence[Any] | Mapping[str, Any] | None = None,
        header: Any = None,
        buttons: Sequence[Any] | None = None,
        components: Sequence[Mapping[str, Any]] | None = None,
        check: bool = False,
        **send_kwargs: Any,
    ) -> SendResult:
        """Send an approved template; ``body``/``header``/``buttons`` fill its parameters in order
        (``body`` as a mapping: a NAMED template's parameters by name).

        ``components`` takes the Cloud API's own list instead, for anything the shortcuts don't cover.
        ``check``: first check the send against the account's template (:meth:`check_template_send`),
        so that a wrong parameter fails here, naming the component, and nothing is sent.
        """
        if components is not None:
            template = {"name": name, "language": {"code": language}, "components": list(components)}
            message = validate_model(TemplateMessage, {"template": template})
        else:
            message = build_template_message(name, language, body=body, header=header, buttons=buttons)
        if check:
            self.check_template_send(message)
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
        sender = self.sender(phone_number_id)
        answer = self.client.graph("POST", f"{sender}/messages", json=body, policy=RetryPolicy.IDEMPOTENT)
        return bool(answer.get("success"))
