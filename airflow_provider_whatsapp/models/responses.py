"""The API's answers (unknown fields kept, since Meta adds fields), the business-profile update request,
and Maton's connection objects. No repr here shows a secret or a full phone number.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.common import (
    EMAIL_CHECK,
    HTTP_URL_CHECK,
    ApiModel,
    ResponseModel,
    chars,
    read_answer,
)
from airflow_provider_whatsapp.utils.phone import mask_phone

#: Meta, "Business profiles" (Cloud API reference), update parameters: about "between 1 and 139
#: characters"; address "Character limit 256"; description "Character limit 512" (the OpenAPI file says
#: 256: the docs and the live API take 512); email "Character limit 128"; websites "Maximum of 2
#: websites ... Maximum of 256 characters", "You must include the http:// or https:// portion".
PROFILE_ABOUT_MAX = 139
PROFILE_ADDRESS_MAX = 256
PROFILE_DESCRIPTION_MAX = 512
PROFILE_EMAIL_MAX = 128
PROFILE_WEBSITES_MAX = 2
PROFILE_WEBSITE_MAX = 256

#: ``vertical``: the OpenAPI file's ``WhatsAppBusinessVertical`` plus the docs' UNDEFINED and NOT_A_BIZ;
#: an empty string clears it.
Vertical = Literal[
    "",
    "UNDEFINED",
    "OTHER",
    "AUTO",
    "BEAUTY",
    "APPAREL",
    "EDU",
    "ENTERTAIN",
    "EVENT_PLAN",
    "FINANCE",
    "GROCERY",
    "GOVT",
    "HOTEL",
    "HEALTH",
    "NONPROFIT",
    "PROF_SERVICES",
    "RETAIL",
    "TRAVEL",
    "RESTAURANT",
    "ALCOHOL",
    "ONLINE_GAMBLING",
    "PHYSICAL_GAMBLING",
    "OTC_DRUGS",
    "NOT_A_BIZ",
]

Website = Annotated[str, chars(PROFILE_WEBSITE_MAX), HTTP_URL_CHECK]


def _first(items: Any) -> Mapping[str, Any]:
    """The first object of a list in an answer, or an empty mapping."""
    if isinstance(items, list) and items and isinstance(items[0], Mapping):
        return items[0]
    return {}


class SendResult(ResponseModel):
    """What ``POST /messages`` answers: the message id (wamid), the recipient's WhatsApp id, the input."""

    message_id: str
    wa_id: str | None = Field(default=None, repr=False)
    input: str | None = Field(default=None, repr=False)
    message_status: str | None = None

    @classmethod
    def from_response(cls, body: Any) -> SendResult:
        """Read ``{"contacts": [{"input", "wa_id"}], "messages": [{"id", "message_status"}]}``.

        Raises :class:`WhatsAppValidationError` naming what is missing or malformed (never its value).
        """
        if not isinstance(body, Mapping):
            raise WhatsAppValidationError([("", "the answer is not a JSON object")])
        message, contact = _first(body.get("messages")), _first(body.get("contacts"))
        if not message.get("id"):
            raise WhatsAppValidationError([("messages.0.id", "missing from the answer")])
        fields = {
            "message_id": message["id"],
            "wa_id": contact.get("wa_id"),
            "input": contact.get("input"),
            "message_status": message.get("message_status"),
        }
        return read_answer(cls, {name: value for name, value in fields.items() if value is not None})

    def __repr_args__(self) -> Any:
        """Recipient numbers appear masked: reprs end up in logs."""
        yield from super().__repr_args__()
        yield "wa_id", mask_phone(self.wa_id)
        yield "input", mask_phone(self.input)


class MediaInfo(ResponseModel):
    """An uploaded media object; ``url`` is a short-lived, signed download link on Meta's CDN."""

    id: str
    url: str | None = Field(default=None, repr=False)
    mime_type: str | None = None
    sha256: str | None = None
    file_size: int | None = None
    messaging_product: str | None = None


class TemplateInfo(ResponseModel):
    """A message template as ``GET /message_templates`` or ``GET /{template_id}`` describe it."""

    id: str
    name: str
    language: str | None = None
    status: str | None = None
    category: str | None = None
    components: list[dict[str, Any]] = Field(default_factory=list)
    rejected_reason: str | None = None
    previous_category: str | None = None
    parameter_format: str | None = None
    quality_score: dict[str, Any] | None = None


class TemplateCreateResult(ResponseModel):
    """What creating a template answers: its id, review status (usually PENDING) and category."""

    id: str
    status: str | None = None
    category: str | None = None


class PhoneNumberInfo(ResponseModel):
    """A business phone number of the WhatsApp Business Account."""

    id: str
    display_phone_number: str | None = None
    verified_name: str | None = None
    quality_rating: str | None = None
    code_verification_status: str | None = None
    status: str | None = None
    name_status: str | None = None
    platform_type: str | None = None
    messaging_limit_tier: str | None = None
    account_mode: str | None = None
    throughput: dict[str, Any] | None = None


class BusinessProfile(ResponseModel):
    """The business profile customers see (``GET /whatsapp_business_profile``, one ``data`` item)."""

    about: str | None = None
    address: str | None = None
    description: str | None = None
    email: str | None = None
    profile_picture_url: str | None = None
    websites: list[str] = Field(default_factory=list)
    vertical: str | None = None
    messaging_product: str | None = None

    @classmethod
    def from_response(cls, body: Any) -> BusinessProfile:
        """Read ``{"data": [{...}]}``, also when the item nests the profile under ``business_profile``."""
        item = _first(body.get("data")) if isinstance(body, Mapping) else {}
        return read_answer(cls, item.get("business_profile", item))


class BusinessProfileUpdate(ApiModel):
    """The body of ``POST /whatsapp_business_profile``: only the fields set are changed."""

    messaging_product: Literal["whatsapp"] = "whatsapp"
    about: Annotated[str, chars(PROFILE_ABOUT_MAX)] | None = None
    address: Annotated[str, chars(PROFILE_ADDRESS_MAX, 0)] | None = None
    description: Annotated[str, chars(PROFILE_DESCRIPTION_MAX, 0)] | None = None
    email: Annotated[str, chars(PROFILE_EMAIL_MAX), EMAIL_CHECK] | None = None
    profile_picture_handle: str | None = None
    websites: Annotated[list[Website], Field(max_length=PROFILE_WEBSITES_MAX)] | None = None
    vertical: Vertical | None = None


class MatonConnection(ResponseModel):
    """A Maton OAuth connection. ``url`` (to finish OAuth) carries a session token: kept out of repr.

    ``status`` is ``ACTIVE``, ``PENDING`` (OAuth not finished) or ``FAILED``; any other string Maton may
    add is kept as given.
    """

    connection_id: str
    status: str
    creation_time: datetime | None = None
    last_updated_time: datetime | None = None
    url: str | None = Field(default=None, repr=False)
    app: str | None = None
    method: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_response(cls, body: Any) -> MatonConnection:
        """Read ``{"connection": {...}}`` (get, create) or a bare connection object (list items)."""
        return read_answer(cls, body.get("connection", body) if isinstance(body, Mapping) else body)

    @property
    def is_active(self) -> bool:
        """Whether the connection can carry requests (status ``ACTIVE``)."""
        return self.status == "ACTIVE"
