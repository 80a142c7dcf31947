"""Meta's documented limits that its OpenAPI schema leaves out, as the sandbox enforces them.

Two kinds: ``SCHEMA_LIMITS`` are JSON Schema keywords layered onto the compiled schemas (lengths, counts,
patterns), so they fail with the same precise messages as the schema itself; the ``check_*`` functions hold
the cross-field rules a schema cannot say (unique ids, rows in total, coordinates in range, ...). They run
after the schema passed, so they may trust the types. Sources are Meta's WhatsApp Cloud API reference pages
(developers.facebook.com/documentation/business-messaging/whatsapp/...), named at each constant.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

INVALID_PARAMETER = 100
REQUIRED_PARAMETER_MISSING = 131008
PARAMETER_VALUE_INVALID = 131009
UNSUPPORTED_MESSAGE_TYPE = 131051
GRAPH_MESSAGES = {
    INVALID_PARAMETER: "(#100) Invalid parameter",
    REQUIRED_PARAMETER_MISSING: "(#131008) Required parameter is missing",
    PARAMETER_VALUE_INVALID: "(#131009) Parameter value is not valid",
    UNSUPPORTED_MESSAGE_TYPE: "(#131051) Unsupported message type",
}


@dataclass(frozen=True)
class Rejection:
    """One Graph error the sandbox answers with: code, Graph-like message, and the field and rule broken."""

    code: int
    message: str
    details: str
    error_subcode: int | None = None
    status: int = 400


def reject(code: int, details: str) -> Rejection:
    """A ``Rejection`` with Graph's standard message for ``code``."""
    return Rejection(code=code, message=GRAPH_MESSAGES[code], details=details)


# --- Messages (Messages API reference and the per-type message pages) ---
TO_PATTERN = re.compile(r"\+?[0-9]{1,15}")  # E.164: at most 15 digits; the API takes an optional "+"
BIZ_OPAQUE_CALLBACK_DATA_MAX = 512  # "biz_opaque_callback_data ... Maximum 512 characters."
TEXT_BODY_MAX = 4096  # Text messages: body "Maximum 4096 characters."
MEDIA_CAPTION_MAX = 1024  # Image, video and document messages: caption "Maximum 1024 characters."
HTTP_URL = r"^https?://\S+$"  # media links and CTA URLs: "http:// or https://" URLs
LATITUDE_RANGE = (-90.0, 90.0)  # Location messages: latitude in decimal degrees
LONGITUDE_RANGE = (-180.0, 180.0)  # Location messages: longitude in decimal degrees
REACTION_EMOJI_MAX_CODEPOINTS = 16  # one emoji (ZWJ sequences included); "" removes a reaction
# Interactive messages
INTERACTIVE_BODY_MAX = 1024  # reply buttons, CTA URL, flow, product: body "Maximum 1024 characters."
INTERACTIVE_LONG_BODY_MAX = 4096  # list and location request messages: body "Maximum 4096 characters."
INTERACTIVE_LONG_BODY_TYPES = frozenset({"list", "location_request_message"})
INTERACTIVE_BODY_REQUIRED = frozenset({"button", "list", "cta_url", "location_request_message"})
INTERACTIVE_HEADER_TEXT_MAX = 60  # header text "Maximum 60 characters."
INTERACTIVE_FOOTER_TEXT_MAX = 60  # footer text "Maximum 60 characters."
REPLY_BUTTONS_MAX = 3  # "up to three predefined replies"
REPLY_BUTTON_TITLE_MAX = 20  # button label "Maximum 20 characters", unique within the message
REPLY_BUTTON_ID_MAX = 256  # button id "Maximum 256 characters", unique within the message
LIST_BUTTON_TEXT_MAX = 20  # list button label "Maximum 20 characters."
LIST_SECTIONS_MAX = 10  # "up to 10 sections"
LIST_ROWS_TOTAL_MAX = 10  # "up to 10 rows for all sections combined"
LIST_ROW_TITLE_MAX = 24  # row title "Maximum 24 characters."
LIST_ROW_DESCRIPTION_MAX = 72  # row description "Maximum 72 characters."
LIST_ROW_ID_MAX = 200  # row id "Maximum 200 characters."
LIST_SECTION_TITLE_MAX = 24  # section title "Maximum 24 characters"; required with more than one section
CTA_DISPLAY_TEXT_MAX = 20  # CTA URL button label "Maximum 20 characters."
TEMPLATE_NAME_MAX = 512  # Templates: name "Maximum 512 characters", lowercase alphanumerics and underscores
TEMPLATE_NAME_PATTERN = r"^[a-z0-9_]+$"

# --- Template definitions (Templates, Template components, Authentication templates) ---
TEMPLATE_CATEGORIES = ("AUTHENTICATION", "MARKETING", "UTILITY")
TEMPLATE_COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS", "CAROUSEL", "LIMITED_TIME_OFFER")
TEMPLATE_HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "GIF", "DOCUMENT", "LOCATION")
TEMPLATE_BODY_MAX = 1024  # body text "Maximum 1024 characters."
TEMPLATE_HEADER_TEXT_MAX = 60  # text header "Maximum 60 characters", at most 1 parameter
TEMPLATE_HEADER_PARAMETERS_MAX = 1
TEMPLATE_FOOTER_MAX = 60  # footer text "Maximum 60 characters."
TEMPLATE_BUTTONS_MAX = 10  # "Templates can have up to 10 buttons" in all
TEMPLATE_BUTTON_TEXT_MAX = 25  # button label text "Maximum 25 characters."
TEMPLATE_BUTTON_URL_MAX = 2000  # URL button url "Maximum 2000 characters."
TEMPLATE_BUTTON_PHONE_MAX = 20  # phone number button "Maximum 20 characters."
# per button type: "up to 10 quick reply buttons", "up to two URL buttons", "one phone number button",
# "one copy code button"
TEMPLATE_BUTTON_TYPE_MAX = {"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1}
CODE_EXPIRATION_MINUTES_RANGE = (1, 90)  # authentication footer code_expiration_minutes "1 to 90"
PLACEHOLDER = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")  # positional {{1}} or named {{first_name}}

# --- Business profile (Business Profiles reference) ---
PROFILE_DESCRIPTION_MAX = 512  # "description ... Character limit 512" (the schema says 256: docs win)
PROFILE_WEBSITE_PATTERN = r"^https?://"  # "You must include the http:// or https:// portion"
PROFILE_VERTICALS = (  # documented values; the schema's list misses "", UNDEFINED and NOT_A_BIZ
    *("", "UNDEFINED", "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE"),
    *("GROCERY", "GOVT", "HOTEL", "HEALTH", "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT"),
    *("NOT_A_BIZ", "ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS"),
)

_STRING = {"type": "string"}
_MEDIA_LINK = {"properties": {"link": {"type": "string", "pattern": HTTP_URL}}}
_MEDIA_TYPES = ("image", "video", "document")

# Action branches the schema lacks, by interactive type (the schema's own branches are picked by key).
EXTRA_ACTIONS: dict[str, dict[str, Any]] = {
    "cta_url": {
        "required": ["name", "parameters"],
        "additionalProperties": False,
        "properties": {
            "name": {"enum": ["cta_url"]},
            "parameters": {
                "type": "object",
                "additionalProperties": False,
                "required": ["display_text", "url"],
                "properties": {
                    "display_text": {**_STRING, "minLength": 1, "maxLength": CTA_DISPLAY_TEXT_MAX},
                    "url": {**_STRING, "pattern": HTTP_URL},
                },
            },
        },
    },
    "location_request_message": {
        "required": ["name"],
        "additionalProperties": False,
        "properties": {"name": {"enum": ["send_location"]}},
    },
}

# Keywords layered onto each compiled schema: key -> dotted path ("x[]" steps into array items) -> keywords.
_SCHEMA_LIMITS: dict[str, dict[str, dict[str, Any]]] = {
    "message": {
        "messaging_product": {"enum": ["whatsapp"]},
        "biz_opaque_callback_data": {**_STRING, "maxLength": BIZ_OPAQUE_CALLBACK_DATA_MAX},
    },
    "text": {"text": {"required": ["body"]}, "text.body": {"minLength": 1, "maxLength": TEXT_BODY_MAX}},
    **{
        t: {t: _MEDIA_LINK, f"{t}.caption": {**_STRING, "maxLength": MEDIA_CAPTION_MAX}} for t in _MEDIA_TYPES
    },
    "audio": {"audio": _MEDIA_LINK},
    "sticker": {"sticker": _MEDIA_LINK},
    "location": {"location": {"required": ["latitude", "longitude"]}},
    "reaction": {"reaction": {"required": ["message_id", "emoji"]}},
    "contacts": {"contacts[]": {"required": ["name"]}, "contacts[].name": {"required": ["formatted_name"]}},
    "template": {"template.name": {"minLength": 1, "maxLength": TEMPLATE_NAME_MAX}},
    "interactive": {
        "interactive.header.text": {"maxLength": INTERACTIVE_HEADER_TEXT_MAX},
        "interactive.footer.text": {"maxLength": INTERACTIVE_FOOTER_TEXT_MAX},
        **{f"interactive.header.{media}": _MEDIA_LINK for media in _MEDIA_TYPES},
    },
    "interactive:button": {
        "interactive.action.buttons": {"maxItems": REPLY_BUTTONS_MAX},
        "interactive.action.buttons[].reply.title": {"minLength": 1, "maxLength": REPLY_BUTTON_TITLE_MAX},
        "interactive.action.buttons[].reply.id": {"minLength": 1, "maxLength": REPLY_BUTTON_ID_MAX},
    },
    "interactive:list": {
        "interactive.header": {"properties": {"type": {"enum": ["text"]}}},
        "interactive.action.button": {"minLength": 1, "maxLength": LIST_BUTTON_TEXT_MAX},
        "interactive.action.sections": {"maxItems": LIST_SECTIONS_MAX},
        "interactive.action.sections[]": {"required": ["rows"]},
        "interactive.action.sections[].title": {"maxLength": LIST_SECTION_TITLE_MAX},
        "interactive.action.sections[].rows": {"minItems": 1},
        "interactive.action.sections[].rows[].title": {"minLength": 1, "maxLength": LIST_ROW_TITLE_MAX},
        "interactive.action.sections[].rows[].id": {"minLength": 1, "maxLength": LIST_ROW_ID_MAX},
        "interactive.action.sections[].rows[].description": {
            **_STRING,
            "maxLength": LIST_ROW_DESCRIPTION_MAX,
        },
    },
    "template_create": {
        "": {"required": ["name", "language", "category", "components"]},
        "name": {"maxLength": TEMPLATE_NAME_MAX, "pattern": TEMPLATE_NAME_PATTERN},
        "category": {"enum": list(TEMPLATE_CATEGORIES)},
        "components": {"minItems": 1},
        "components[]": {"required": ["type"]},
    },
    "template_edit": {
        "category": {"enum": list(TEMPLATE_CATEGORIES)},
        "components[]": {"required": ["type"]},
    },
    "business_profile_update": {
        "description": {"maxLength": PROFILE_DESCRIPTION_MAX},
        "vertical": {"enum": list(PROFILE_VERTICALS)},
        "websites[]": {"pattern": PROFILE_WEBSITE_PATTERN},
    },
}


def schema_limits(key: str) -> dict[str, dict[str, Any]]:
    """The keywords to layer onto the schema compiled under ``key`` (a message type, "interactive:T", ...)."""
    if key in ("template_create", "template_edit", "business_profile_update", "read"):
        return _SCHEMA_LIMITS.get(key, {})
    base, _, interactive_type = key.partition(":")
    limits = {**_SCHEMA_LIMITS["message"], **_SCHEMA_LIMITS.get(base, {}), **_SCHEMA_LIMITS.get(key, {})}
    if interactive_type:
        long_body = interactive_type in INTERACTIVE_LONG_BODY_TYPES
        limits["interactive.body.text"] = {
            "maxLength": INTERACTIVE_LONG_BODY_MAX if long_body else INTERACTIVE_BODY_MAX
        }
        if interactive_type in INTERACTIVE_BODY_REQUIRED:
            limits["interactive"] = {"required": ["body"]}
    return limits


def template_placeholder_count(text: str) -> int:
    """Distinct ``{{1}}`` / ``{{name}}`` placeholders in a template text: the parameters a send needs."""
    return len(set(PLACEHOLDER.findall(text)))


def message_problems(body: dict[str, Any]) -> Iterator[Rejection]:
    """Cross-field rules of a message body that already passed the schema."""
    if "status" in body:  # a read receipt: nothing beyond its schema
        return
    if body.get("recipient_type", "individual") == "individual" and not TO_PATTERN.fullmatch(body["to"]):
        yield reject(
            PARAMETER_VALUE_INVALID, "to: phone number digits with an optional leading +, at most 15"
        )
    message_type = body.get("type", "text")
    if message_type == "location":
        yield from _location_problems(body["location"])
    elif message_type == "reaction":
        yield from _reaction_problems(body["reaction"])
    elif message_type == "interactive":
        yield from _interactive_problems(body["interactive"])


def _location_problems(location: dict[str, Any]) -> Iterator[Rejection]:
    """Coordinates are numbers (or numeric strings) within range."""
    for key, (low, high) in (("latitude", LATITUDE_RANGE), ("longitude", LONGITUDE_RANGE)):
        try:
            value = float(location[key])
        except ValueError:
            value = math.nan
        if not low <= value <= high:
            yield reject(PARAMETER_VALUE_INVALID, f"location.{key}: a number between {low:g} and {high:g}")


def _reaction_problems(reaction: dict[str, Any]) -> Iterator[Rejection]:
    """A reaction is one emoji, or the empty string that removes the reaction."""
    emoji: str = reaction["emoji"]
    if emoji and not (
        len(emoji) <= REACTION_EMOJI_MAX_CODEPOINTS
        and any(not char.isascii() for char in emoji)
        and not any(char.isascii() and (char.isalpha() or char.isspace()) for char in emoji)
    ):
        yield reject(PARAMETER_VALUE_INVALID, 'reaction.emoji: one emoji, or "" to remove the reaction')


def _interactive_problems(interactive: dict[str, Any]) -> Iterator[Rejection]:
    """Header media present for its type; unique reply buttons; list rows and section titles."""
    header = interactive.get("header")
    if header is not None and header["type"] not in header:
        kind = header["type"]
        yield reject(
            REQUIRED_PARAMETER_MISSING, f"interactive.header.{kind}: required when header.type is {kind}"
        )
    action = interactive["action"]
    if interactive["type"] == "button":
        replies = [button["reply"] for button in action["buttons"]]
        for field in ("id", "title"):
            if len({reply[field] for reply in replies}) < len(replies):
                yield reject(
                    PARAMETER_VALUE_INVALID, f"interactive.action.buttons[].reply.{field}: must be unique"
                )
    elif interactive["type"] == "list":
        sections = action["sections"]
        rows = [row for section in sections for row in section["rows"]]
        if len(rows) > LIST_ROWS_TOTAL_MAX:
            yield reject(
                PARAMETER_VALUE_INVALID,
                f"interactive.action.sections[].rows: at most {LIST_ROWS_TOTAL_MAX} rows in all sections",
            )
        if len({row["id"] for row in rows}) < len(rows):
            yield reject(PARAMETER_VALUE_INVALID, "interactive.action.sections[].rows[].id: must be unique")
        for index, section in enumerate(sections):
            if len(sections) > 1 and not section.get("title"):
                yield reject(
                    REQUIRED_PARAMETER_MISSING,
                    f"interactive.action.sections[{index}].title: required with more than one section",
                )
