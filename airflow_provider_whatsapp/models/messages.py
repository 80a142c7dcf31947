"""Every message type the provider sends, in the Cloud API's own JSON shape, and the request body around it.

``TextMessage(text=Text(body="Hi"))`` dumps (``to_api()``, or ``model_dump(mode="json", exclude_none=True,
by_alias=True)``) to ``{"type": "text", "text": {"body": "Hi"}}``; a dict in that shape parses as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, NoReturn, TypeVar

from pydantic import AfterValidator, BaseModel, Field

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.common import (
    ApiModel,
    DateString,
    EmailAddress,
    HttpUrl,
    NonEmpty,
    chars,
    rule_check,
    validate_model,
)
from airflow_provider_whatsapp.models.interactive import Interactive
from airflow_provider_whatsapp.models.objects import CaptionedMedia, DocumentMedia, Location, MediaObject
from airflow_provider_whatsapp.models.templates import TemplateMessage
from airflow_provider_whatsapp.utils.phone import normalize_phone

#: Meta, "Text messages": "body ... Maximum 4096 characters".
TEXT_BODY_MAX = 4096
#: ``ContactsMessage.contacts`` minItems 1, maxItems 5 in Meta's OpenAPI file.
CONTACTS_MAX = 5
#: Meta, Messages API reference: "biz_opaque_callback_data ... Maximum 512 characters"; echoed in status
#: webhooks, the key for reconciling them.
TRACKER_MAX = 512
#: Meta, "Reaction messages": one emoji, or "" to remove the reaction; an emoji with modifiers and
#: zero-width joiners runs to a few code points (the sandbox allows 16).
REACTION_EMOJI_MAX = 16

T = TypeVar("T")


class Text(ApiModel):
    """The text and whether to render a link preview for the first URL in it."""

    body: Annotated[str, chars(TEXT_BODY_MAX)]
    preview_url: bool | None = None


class TextMessage(ApiModel):
    """``{"type": "text", "text": {"body": ..., "preview_url": ...}}``."""

    type: Literal["text"] = "text"
    text: Text


class ImageMessage(ApiModel):
    """An image by link or media id, with an optional caption."""

    type: Literal["image"] = "image"
    image: CaptionedMedia


class VideoMessage(ApiModel):
    """A video by link or media id, with an optional caption."""

    type: Literal["video"] = "video"
    video: CaptionedMedia


class DocumentMessage(ApiModel):
    """A document by link or media id, with an optional caption and file name."""

    type: Literal["document"] = "document"
    document: DocumentMedia


class AudioMessage(ApiModel):
    """An audio file by link or media id (no caption)."""

    type: Literal["audio"] = "audio"
    audio: MediaObject


class StickerMessage(ApiModel):
    """A sticker (webp) by link or media id (no caption)."""

    type: Literal["sticker"] = "sticker"
    sticker: MediaObject


class LocationMessage(ApiModel):
    """A map pin."""

    type: Literal["location"] = "location"
    location: Location


ContactType = Literal["HOME", "WORK"]


class ContactName(ApiModel):
    """A contact's name; ``formatted_name`` is required (Meta, "Contacts messages")."""

    formatted_name: NonEmpty
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    suffix: str | None = None
    prefix: str | None = None


class ContactPhone(ApiModel):
    """A phone number as displayed; ``type`` is any label (CELL, MAIN, IPHONE, HOME, WORK, ...)."""

    phone: NonEmpty
    type: str | None = None
    wa_id: str | None = None


class ContactEmail(ApiModel):
    """An e-mail address."""

    email: EmailAddress
    type: ContactType | None = None


class ContactUrl(ApiModel):
    """A website."""

    url: HttpUrl
    type: ContactType | None = None


class ContactAddress(ApiModel):
    """A postal address."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    type: ContactType | None = None


class ContactOrg(ApiModel):
    """Where the contact works."""

    company: str | None = None
    department: str | None = None
    title: str | None = None


class Contact(ApiModel):
    """A contact card."""

    name: ContactName
    phones: list[ContactPhone] | None = None
    emails: list[ContactEmail] | None = None
    urls: list[ContactUrl] | None = None
    addresses: list[ContactAddress] | None = None
    org: ContactOrg | None = None
    birthday: DateString | None = None


class ContactsMessage(ApiModel):
    """One to five contact cards."""

    type: Literal["contacts"] = "contacts"
    contacts: Annotated[list[Contact], Field(min_length=1, max_length=CONTACTS_MAX)]


def _is_emoji(value: str) -> bool:
    """Empty, or a short run of code points, not all ASCII, with no letter (of any script) or space:
    emoji are symbols, a keycap's digit the one ASCII part some of them have."""
    if not value:
        return True
    text = any(ch.isalpha() or ch.isspace() for ch in value)
    return len(value) <= REACTION_EMOJI_MAX and not value.isascii() and not text


class Reaction(ApiModel):
    """An emoji on an earlier message; an empty ``emoji`` removes the reaction."""

    message_id: NonEmpty
    emoji: Annotated[
        str, AfterValidator(rule_check('must be one emoji, or "" to remove the reaction', _is_emoji))
    ]


class ReactionMessage(ApiModel):
    """``{"type": "reaction", "reaction": {"message_id": ..., "emoji": ...}}``."""

    type: Literal["reaction"] = "reaction"
    reaction: Reaction


class InteractiveMessage(ApiModel):
    """Reply buttons, a list, a call-to-action URL button or a location request."""

    type: Literal["interactive"] = "interactive"
    interactive: Interactive


Message = Annotated[
    TextMessage
    | ImageMessage
    | AudioMessage
    | VideoMessage
    | DocumentMessage
    | StickerMessage
    | LocationMessage
    | ContactsMessage
    | InteractiveMessage
    | ReactionMessage
    | TemplateMessage,
    Field(discriminator="type"),
]

MESSAGE_TYPES: Mapping[str, type[BaseModel]] = {
    model.model_fields["type"].default: model
    for model in (
        TextMessage,
        ImageMessage,
        AudioMessage,
        VideoMessage,
        DocumentMessage,
        StickerMessage,
        LocationMessage,
        ContactsMessage,
        InteractiveMessage,
        ReactionMessage,
        TemplateMessage,
    )
}


def parse_message(message: Message | Mapping[str, Any]) -> Message:
    """A validated message model from a model or a dict in the API's shape (no ``type`` means text).

    Raises :class:`WhatsAppValidationError` listing each problem as ``(field path, rule)``, e.g.
    ``("interactive.action.buttons", "at most 3 items")``.
    """
    if isinstance(message, tuple(MESSAGE_TYPES.values())):
        return message  # type: ignore[return-value]  # validated when it was built (models are frozen)
    if not isinstance(message, Mapping):
        _fail("", "a message must be a message model or an object")
    kind = message.get("type", "text")
    model = MESSAGE_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        _fail("type", f"must be one of {', '.join(MESSAGE_TYPES)}")
    return validate_model(model, {**message, "type": kind})  # type: ignore[return-value]


def _fail(field: str, rule: str) -> NoReturn:
    raise WhatsAppValidationError([(field, rule)])


def build_message_body(
    to: str,
    message: Message | Mapping[str, Any],
    *,
    reply_to: str | None = None,
    biz_opaque_callback_data: str | None = None,
) -> dict[str, Any]:
    """The complete ``POST /messages`` body: envelope, normalised recipient, the message's own keys.

    Everything is checked first and all problems are raised together in one
    :class:`WhatsAppValidationError`, so nothing is sent with a half-valid body.
    """
    problems: list[tuple[str, str]] = []

    def attempt(check: Callable[[], T]) -> T | None:
        try:
            return check()
        except WhatsAppValidationError as error:
            problems.extend(error.errors)
            return None

    recipient = attempt(lambda: normalize_phone(to))
    payload = attempt(lambda: parse_message(message).to_api())
    context = attempt(lambda: _context(reply_to))
    tracker = attempt(lambda: _tracker(biz_opaque_callback_data))
    if problems or recipient is None or payload is None:
        raise WhatsAppValidationError(problems)
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        **payload,
    }
    if context is not None:
        body["context"] = context
    if tracker is not None:
        body["biz_opaque_callback_data"] = tracker
    return body


def _context(reply_to: str | None) -> dict[str, str] | None:
    """``{"message_id": reply_to}`` when replying to a message."""
    if reply_to is None:
        return None
    if not isinstance(reply_to, str) or not reply_to.strip():
        _fail("context.message_id", "must be a non-empty message id")
    return {"message_id": reply_to}


def _tracker(value: str | None) -> str | None:
    """The ``biz_opaque_callback_data`` tracker, at most 512 characters."""
    if value is not None and (not isinstance(value, str) or len(value) > TRACKER_MAX):
        _fail("biz_opaque_callback_data", f"must be a string of at most {TRACKER_MAX} characters")
    return value
