"""Interactive messages: reply buttons, lists, a call-to-action URL button and a location request.

Limits are Meta's, from the Cloud API guides "Interactive reply buttons messages", "Interactive list
messages", "Interactive Call-to-Action URL Button Messages" and "Interactive location request messages",
and the ``maxLength`` / ``maxItems`` of ``InteractiveObject`` in Meta's OpenAPI file where it has them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from airflow_provider_whatsapp.models.common import ApiModel, HttpUrl, broken, chars, unique
from airflow_provider_whatsapp.models.objects import MediaObject, NamedMedia

#: "Body text ... Maximum 1024 characters" (reply buttons and CTA URL guides; ``BodyObject.text`` in the
#: OpenAPI file); the list and location request guides allow "Maximum 4096 characters".
BODY_MAX = 1024
LONG_BODY_MAX = 4096
#: "Footer text. Maximum 60 characters" / header "Maximum 60 characters" (``FooterObject``, ``HeaderObject``).
FOOTER_MAX = 60
HEADER_TEXT_MAX = 60
#: Reply buttons: "Supports up to 3 buttons"; "Button label text ... Maximum 20 characters";
#: "button ID ... Maximum 256 characters"; ids and titles must be unique.
REPLY_BUTTONS_MAX = 3
REPLY_TITLE_MAX = 20
REPLY_ID_MAX = 256
#: List messages: "Button label text ... Maximum 20 characters"; "up to 10 sections, with up to 10 rows
#: for all sections combined"; row title 24, row description 72, row id 200, section title 24
#: ("Required if the message has more than one section").
LIST_BUTTON_MAX = 20
LIST_SECTIONS_MAX = 10
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24
#: CTA URL: "Button label text ... Maximum 20 characters".
CTA_DISPLAY_TEXT_MAX = 20


class InteractiveBody(ApiModel):
    """The message text of an interactive message."""

    text: Annotated[str, chars(BODY_MAX)]


class LongInteractiveBody(InteractiveBody):
    """The body of a list or location request message, which may be longer."""

    text: Annotated[str, chars(LONG_BODY_MAX)]


class InteractiveFooter(ApiModel):
    """Small grey text under the body."""

    text: Annotated[str, chars(FOOTER_MAX)]


class TextHeader(ApiModel):
    """A text header (the only header lists take)."""

    type: Literal["text"] = "text"
    text: Annotated[str, chars(HEADER_TEXT_MAX)]


class ImageHeader(ApiModel):
    """An image header, by link or media id."""

    type: Literal["image"] = "image"
    image: MediaObject


class VideoHeader(ApiModel):
    """A video header, by link or media id."""

    type: Literal["video"] = "video"
    video: MediaObject


class DocumentHeader(ApiModel):
    """A document header, by link or media id, with an optional file name."""

    type: Literal["document"] = "document"
    document: NamedMedia


Header = Annotated[TextHeader | ImageHeader | VideoHeader | DocumentHeader, Field(discriminator="type")]


class Reply(ApiModel):
    """A reply button's id (sent back in the webhook) and title (shown)."""

    id: Annotated[str, chars(REPLY_ID_MAX)]
    title: Annotated[str, chars(REPLY_TITLE_MAX)]


class ReplyButton(ApiModel):
    """One reply button."""

    type: Literal["reply"] = "reply"
    reply: Reply


class ButtonAction(ApiModel):
    """1..3 reply buttons with unique ids and unique titles."""

    buttons: Annotated[
        list[ReplyButton],
        Field(min_length=1, max_length=REPLY_BUTTONS_MAX),
        AfterValidator(unique(lambda b: b.reply.id, lambda b: b.reply.title, what="button ids and titles")),
    ]


class ButtonInteractive(ApiModel):
    """Reply buttons: ``{"type": "button", "body": ..., "action": {"buttons": [...]}}``."""

    type: Literal["button"] = "button"
    header: Header | None = None
    body: InteractiveBody
    footer: InteractiveFooter | None = None
    action: ButtonAction


class ListRow(ApiModel):
    """One selectable row of a list."""

    id: Annotated[str, chars(ROW_ID_MAX)]
    title: Annotated[str, chars(ROW_TITLE_MAX)]
    description: Annotated[str, chars(ROW_DESCRIPTION_MAX)] | None = None


class ListSection(ApiModel):
    """A titled group of rows."""

    title: Annotated[str, chars(SECTION_TITLE_MAX)] | None = None
    rows: Annotated[list[ListRow], Field(min_length=1, max_length=LIST_ROWS_MAX)]


def _check_sections(sections: list[ListSection]) -> list[ListSection]:
    """Rules across sections: 10 rows in all, unique row ids, titles when there are several."""
    rows = [row for section in sections for row in section.rows]
    if len(rows) > LIST_ROWS_MAX:
        raise broken(f"at most {LIST_ROWS_MAX} rows in all sections together")
    if len({row.id for row in rows}) != len(rows):
        raise broken("row ids must be unique")
    if len(sections) > 1 and any(section.title is None for section in sections):
        raise broken("every section needs a title when there are several")
    return sections


class ListAction(ApiModel):
    """The list's button label and its 1..10 sections."""

    button: Annotated[str, chars(LIST_BUTTON_MAX)]
    sections: Annotated[
        list[ListSection],
        Field(min_length=1, max_length=LIST_SECTIONS_MAX),
        AfterValidator(_check_sections),
    ]


class ListInteractive(ApiModel):
    """A list message: a button that opens up to 10 rows in sections."""

    type: Literal["list"] = "list"
    header: TextHeader | None = None
    body: LongInteractiveBody
    footer: InteractiveFooter | None = None
    action: ListAction


class CtaUrlParameters(ApiModel):
    """The button's label and the http(s) URL it opens."""

    display_text: Annotated[str, chars(CTA_DISPLAY_TEXT_MAX)]
    url: HttpUrl


class CtaUrlAction(ApiModel):
    """``{"name": "cta_url", "parameters": {...}}``."""

    name: Literal["cta_url"] = "cta_url"
    parameters: CtaUrlParameters


class CtaUrlInteractive(ApiModel):
    """A call-to-action URL button message."""

    type: Literal["cta_url"] = "cta_url"
    header: Header | None = None
    body: InteractiveBody
    footer: InteractiveFooter | None = None
    action: CtaUrlAction


class LocationRequestAction(ApiModel):
    """``{"name": "send_location"}``."""

    name: Literal["send_location"] = "send_location"


class LocationRequestInteractive(ApiModel):
    """Asks the recipient to share their location (body text and a fixed button)."""

    type: Literal["location_request_message"] = "location_request_message"
    body: LongInteractiveBody
    action: LocationRequestAction = LocationRequestAction()


Interactive = Annotated[
    ButtonInteractive | ListInteractive | CtaUrlInteractive | LocationRequestInteractive,
    Field(discriminator="type"),
]
