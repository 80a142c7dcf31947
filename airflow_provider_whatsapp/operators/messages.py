"""Operators that send messages, and the read receipt.

Each send operator only says what its message is; validating, sending to each recipient, reporting and
failing live in :class:`~airflow_provider_whatsapp.operators.base.WhatsAppBaseSendOperator`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.operators.base import WhatsAppBaseOperator, WhatsAppBaseSendOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_whatsapp.models import Message


class WhatsAppSendMessageOperator(WhatsAppBaseSendOperator):
    """Send any message type: a typed model or a dict in the Cloud API's shape (``{"type": ..., ...}``).

    :param message: The message (templated: strings inside a dict are rendered).
    """

    template_fields: Sequence[str] = (*WhatsAppBaseSendOperator.template_fields, "message")

    def __init__(self, *, message: Message | Mapping[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message = message

    def build_message(self) -> Message | Mapping[str, Any]:
        """The message as given."""
        return self.message


class WhatsAppSendTextOperator(WhatsAppBaseSendOperator):
    """Send a text message (free-form: only reaches numbers that wrote within the last 24 hours).

    :param text: Message body, at most 4096 characters (templated).
    :param preview_url: Render a preview of the first URL in the text.
    """

    template_fields: Sequence[str] = (*WhatsAppBaseSendOperator.template_fields, "text")
    template_fields_renderers = {"text": "md"}

    def __init__(self, *, text: str, preview_url: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = text
        self.preview_url = preview_url

    def build_message(self) -> Mapping[str, Any]:
        """A text message in the Cloud API's shape."""
        return {"type": "text", "text": {"body": self.text, "preview_url": self.preview_url}}


class WhatsAppSendTemplateOperator(WhatsAppBaseSendOperator):
    """Send an approved message template (reaches numbers outside the 24-hour window).

    :param template_name: Template name (templated).
    :param language: Template language code, e.g. ``en_US`` (templated).
    :param body_parameters: Values for ``{{1}}``, ``{{2}}``... in the body; strings become text
        parameters, dicts are parameter objects; a dict ``{"first_name": "Alex"}`` gives a NAMED
        template's values by name (templated).
    :param header_parameters: Values for the header (templated).
    :param button_parameters: Values for the buttons (templated).
    :param check_template: Before sending, check that the template exists in this language, is
        APPROVED and gets exactly the parameters its components declare (one lookup per task). A
        mismatch fails the task, naming the component and what it takes, and nothing is sent.
    """

    template_fields: Sequence[str] = (
        *WhatsAppBaseSendOperator.template_fields,
        "template_name",
        "language",
        "body_parameters",
        "header_parameters",
        "button_parameters",
    )

    def __init__(
        self,
        *,
        template_name: str,
        language: str = "en_US",
        body_parameters: Sequence[Any] | Mapping[str, Any] | None = None,
        header_parameters: Sequence[Any] | None = None,
        button_parameters: Sequence[Any] | None = None,
        check_template: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.template_name = template_name
        self.language = language
        self.body_parameters = body_parameters
        self.header_parameters = header_parameters
        self.button_parameters = button_parameters
        self.check_template = check_template

    def build_message(self) -> Message:
        """A template message with its parameters as components, checked against the account's
        template when ``check_template``."""
        from airflow_provider_whatsapp.models import build_template_message

        message = build_template_message(
            self.template_name,
            self.language,
            body=self.body_parameters,
            header=self.header_parameters,
            buttons=self.button_parameters,
        )
        if self.check_template:
            self.hook.check_template_send(message)
        return message


class WhatsAppMarkReadOperator(WhatsAppBaseOperator):
    """Mark a received message as read (blue ticks); returns True when WhatsApp confirmed.

    :param message_id: wamid of the received message (templated).
    """

    template_fields: Sequence[str] = (*WhatsAppBaseOperator.template_fields, "message_id")

    def __init__(self, *, message_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message_id = message_id

    def execute(self, context: Context) -> bool:
        """Send the read receipt."""
        return self.hook.mark_as_read(self.message_id)
