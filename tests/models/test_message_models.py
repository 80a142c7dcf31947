"""Every message type parses from and dumps to the Cloud API's JSON; each documented limit at its boundary."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import (
    ButtonAction,
    ButtonInteractive,
    InteractiveBody,
    InteractiveMessage,
    Reply,
    ReplyButton,
    Text,
    TextMessage,
    build_message_body,
    parse_message,
)
from tests.maton_examples import MATON_EXAMPLES

ENVELOPE = {"messaging_product", "recipient_type", "to", "context", "biz_opaque_callback_data"}


# Examples from Meta's OpenAPI file (/messages request body), placeholders made concrete.
META_EXAMPLES: list[dict[str, Any]] = [
    {"type": "audio", "audio": {"id": "AUDIO_OBJECT_ID"}},
    {"type": "document", "document": {"caption": "Caption", "filename": "a.pdf", "id": "DOCUMENT_OBJECT_ID"}},
    {"type": "sticker", "sticker": {"link": "https://example.com/sticker.webp"}},
    {"type": "text", "text": {"body": "text-message-content", "preview_url": False}},
    {"type": "reaction", "reaction": {"emoji": "\U0001f600", "message_id": "wamid.HBgLM..."}},
    {
        "type": "location",
        "location": {
            "address": "1 Hacker Way, Menlo Park, CA 94025",
            "latitude": 37.758056,
            "longitude": -122.425332,
            "name": "META HQ",
        },
    },
    {
        "type": "contacts",
        "contacts": [
            {
                "addresses": [
                    {
                        "city": "Menlo Park",
                        "country": "United States",
                        "country_code": "us",
                        "state": "CA",
                        "street": "1 Hacker Way",
                        "type": "HOME",
                        "zip": "94025",
                    }
                ],
                "birthday": "2012-08-18",
                "emails": [{"email": "test@fb.com", "type": "WORK"}],
                "name": {
                    "first_name": "John",
                    "formatted_name": "John Smith",
                    "last_name": "Smith",
                    "middle_name": "D.",
                    "prefix": "Dr",
                    "suffix": "Jr",
                },
                "org": {"company": "WhatsApp", "department": "Design", "title": "Manager"},
                "phones": [
                    {"phone": "+1 (940) 555-1234", "type": "HOME"},
                    {"phone": "+1 (650) 555-1234", "type": "WORK", "wa_id": "16505551234"},
                ],
                "urls": [{"type": "WORK", "url": "https://www.facebook.com"}],
            }
        ],
    },
    {
        "type": "template",
        "template": {
            "name": "template_name",
            "language": {"code": "en_US", "policy": "deterministic"},
            "components": [
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"link": "https://x.example/i.jpg"}}],
                },
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "text-string"},
                        {
                            "type": "currency",
                            "currency": {"amount_1000": 100990, "code": "USD", "fallback_value": "$100.99"},
                        },
                        {
                            "type": "date_time",
                            "date_time": {
                                "calendar": "GREGORIAN",
                                "day_of_month": 25,
                                "day_of_week": 5,
                                "fallback_value": "February 25, 1977",
                                "hour": 15,
                                "minute": 33,
                                "month": 2,
                                "year": 1977,
                            },
                        },
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": "PAYLOAD"}],
                },
                {
                    "type": "button",
                    "sub_type": "flow",
                    "index": 1,
                    "parameters": [{"type": "action", "action": {"flow_token": "T", "flow_action_data": {}}}],
                },
            ],
        },
    },
    {
        "type": "interactive",
        "interactive": {
            "type": "cta_url",
            "header": {"type": "image", "image": {"link": "https://example.com/banner.png"}},
            "body": {"text": "Tap the button below to see available dates."},
            "footer": {"text": "Dates subject to change."},
            "action": {
                "name": "cta_url",
                "parameters": {"display_text": "See Dates", "url": "https://x.example"},
            },
        },
    },
    {
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": "Let's start with your pickup: enter an address or share your location."},
            "action": {"name": "send_location"},
        },
    },
]


@pytest.mark.parametrize("example", MATON_EXAMPLES + META_EXAMPLES)
def test_examples_round_trip(example: dict[str, Any]) -> None:
    assert parse_message(example).to_api() == example


@pytest.mark.parametrize("example", MATON_EXAMPLES + META_EXAMPLES)
def test_body_is_envelope_plus_message(example: dict[str, Any]) -> None:
    body = build_message_body("+1 650 555 1234", example, reply_to="wamid.1", biz_opaque_callback_data="t")
    assert {k: v for k, v in body.items() if k not in ENVELOPE} == example
    assert body["messaging_product"] == "whatsapp"
    assert body["recipient_type"] == "individual"
    assert body["to"] == "+16505551234"
    assert body["context"] == {"message_id": "wamid.1"}
    assert body["biz_opaque_callback_data"] == "t"


def test_dict_without_type_is_text() -> None:
    assert parse_message({"text": {"body": "hi"}}).to_api() == {"type": "text", "text": {"body": "hi"}}


def test_models_dump_like_dicts() -> None:
    message = InteractiveMessage(
        interactive=ButtonInteractive(
            body=InteractiveBody(text="Proceed?"),
            action=ButtonAction(buttons=[ReplyButton(reply=Reply(id="y", title="Yes"))]),
        )
    )
    assert parse_message(message) is message
    assert message.model_dump(mode="json", exclude_none=True, by_alias=True) == {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Proceed?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "y", "title": "Yes"}}]},
        },
    }
    assert TextMessage(text=Text(body="hi")).to_api() == {"type": "text", "text": {"body": "hi"}}


def test_building_a_bad_model_raises_our_error() -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        TextMessage(text={"body": "x" * 4097})
    assert caught.value.errors == [("text.body", "at most 4096 characters")]


def _set(message: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``message`` with the value at dotted ``path`` replaced."""
    result = copy.deepcopy(message)
    *parents, leaf = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(leaf) if isinstance(node, list) else leaf] = value
    return result


TEXT = {"type": "text", "text": {"body": "hi"}}
IMAGE = {"type": "image", "image": {"link": "https://example.com/a.png", "caption": "c"}}
DOCUMENT = {"type": "document", "document": {"id": "123", "caption": "c", "filename": "f.pdf"}}
LOCATION = {"type": "location", "location": {"latitude": 0, "longitude": 0}}
BUTTONS = {
    "type": "interactive",
    "interactive": {
        "type": "button",
        "header": {"type": "text", "text": "h"},
        "body": {"text": "b"},
        "footer": {"text": "f"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "A"}}]},
    },
}
LIST = {
    "type": "interactive",
    "interactive": {
        "type": "list",
        "body": {"text": "b"},
        "action": {
            "button": "Open",
            "sections": [{"title": "s", "rows": [{"id": "r", "title": "R", "description": "d"}]}],
        },
    },
}
CTA = {
    "type": "interactive",
    "interactive": {
        "type": "cta_url",
        "body": {"text": "b"},
        "action": {"name": "cta_url", "parameters": {"display_text": "Go", "url": "https://example.com"}},
    },
}
TEMPLATE = {"type": "template", "template": {"name": "t", "language": {"code": "en_US"}}}
TRACK = {"type": "reaction", "reaction": {"message_id": "wamid.1", "emoji": "\U0001f44d"}}

# (message, path, longest allowed value, rule for one character more)
STRING_LIMITS = [
    (TEXT, "text.body", 4096),
    (IMAGE, "image.caption", 1024),
    (DOCUMENT, "document.caption", 1024),
    (BUTTONS, "interactive.body.text", 1024),
    (BUTTONS, "interactive.header.text", 60),
    (BUTTONS, "interactive.footer.text", 60),
    (BUTTONS, "interactive.action.buttons.0.reply.title", 20),
    (BUTTONS, "interactive.action.buttons.0.reply.id", 256),
    (LIST, "interactive.body.text", 4096),
    (LIST, "interactive.action.button", 20),
    (LIST, "interactive.action.sections.0.title", 24),
    (LIST, "interactive.action.sections.0.rows.0.title", 24),
    (LIST, "interactive.action.sections.0.rows.0.description", 72),
    (LIST, "interactive.action.sections.0.rows.0.id", 200),
    (CTA, "interactive.action.parameters.display_text", 20),
    (TEMPLATE, "template.name", 512),
]


@pytest.mark.parametrize(("message", "path", "limit"), STRING_LIMITS)
def test_string_limits_at_the_boundary(message: dict[str, Any], path: str, limit: int) -> None:
    parse_message(_set(message, path, "a" * limit))
    with pytest.raises(WhatsAppValidationError) as caught:
        parse_message(_set(message, path, "a" * (limit + 1)))
    assert caught.value.errors == [(path, f"at most {limit} characters")]


def _buttons(count: int) -> list[dict[str, Any]]:
    return [{"type": "reply", "reply": {"id": f"id{i}", "title": f"T{i}"}} for i in range(count)]


def _sections(*sizes: int) -> list[dict[str, Any]]:
    return [
        {"title": f"S{s}", "rows": [{"id": f"{s}.{r}", "title": "R"} for r in range(size)]}
        for s, size in enumerate(sizes)
    ]


@pytest.mark.parametrize(
    ("message", "path", "good", "bad", "rule"),
    [
        (BUTTONS, "interactive.action.buttons", _buttons(3), _buttons(4), "at most 3 items"),
        (BUTTONS, "interactive.action.buttons", _buttons(1), [], "at least 1 item"),
        (LIST, "interactive.action.sections", _sections(*[1] * 10), _sections(*[1] * 11), "at most 10 items"),
        (
            LIST,
            "interactive.action.sections",
            _sections(4, 6),
            _sections(5, 6),
            "at most 10 rows in all sections together",
        ),
        (LIST, "interactive.action.sections.0.rows", [{"id": "r", "title": "R"}], [], "at least 1 item"),
        (LOCATION, "location.latitude", 90, 90.0001, "at most 90"),
        (LOCATION, "location.latitude", -90, -91, "at least -90"),
        (LOCATION, "location.longitude", 180, 180.5, "at most 180"),
        (LOCATION, "location.longitude", -180, -181, "at least -180"),
        (
            IMAGE,
            "image.link",
            "http://example.com/a.png",
            "ftp://example.com/a.png",
            "must be an http(s) URL",
        ),
        (
            IMAGE,
            "image.link",
            "https://example.com/a%20b",
            "https://example.com/a b",
            "must be an http(s) URL",
        ),
        (IMAGE, "image.link", "HTTPS://EXAMPLE.COM/A", "https:///nohost", "must be an http(s) URL"),
        (IMAGE, "image.link", "http://[::1]/a.png", "http://[::1/a.png", "must be an http(s) URL"),
        (
            CTA,
            "interactive.action.parameters.url",
            "https://e.x/?q=1",
            "example.com",
            "must be an http(s) URL",
        ),
        (TRACK, "reaction.emoji", "", "ok", 'must be one emoji, or "" to remove the reaction'),
        (TEMPLATE, "template.name", "order_2", "Order-2", "only lowercase letters, digits and underscores"),
    ],
)
def test_limits_at_the_boundary(message: dict[str, Any], path: str, good: Any, bad: Any, rule: str) -> None:
    parse_message(_set(message, path, good))
    with pytest.raises(WhatsAppValidationError) as caught:
        parse_message(_set(message, path, bad))
    assert caught.value.errors == [(path, rule)]


@pytest.mark.parametrize(
    ("message", "errors"),
    [
        (
            {"type": "image", "image": {"link": "https://e.x/a.png", "id": "1"}},
            [("image", "exactly one of link or id")],
        ),
        ({"type": "video", "video": {}}, [("video", "exactly one of link or id")]),
        ({"type": "audio", "audio": {"id": "1", "caption": "no"}}, [("audio.caption", "not allowed here")]),
        (
            {"type": "sticker", "sticker": {"id": "1", "caption": "no"}},
            [("sticker.caption", "not allowed here")],
        ),
        ({"type": "image", "image": {"id": "1", "filename": "no"}}, [("image.filename", "not allowed here")]),
        ({"type": "text", "text": {"body": ""}}, [("text.body", "must not be empty")]),
        ({"type": "text", "text": {"body": "a", "color": "red"}}, [("text.color", "not allowed here")]),
        ({"type": "text"}, [("text", "required")]),
        (
            {"type": "fax"},
            [
                (
                    "type",
                    "must be one of text, image, audio, video, document, sticker, location, contacts, "
                    "interactive, reaction, template",
                )
            ],
        ),
        (
            {"type": "interactive", "interactive": {"type": "carousel"}},
            [("interactive.type", "must be one of 'button', 'list', 'cta_url', 'location_request_message'")],
        ),
        ({"type": "interactive", "interactive": {}}, [("interactive.type", "required")]),
        (
            _set(
                BUTTONS,
                "interactive.action.buttons",
                [*_buttons(2), {"type": "reply", "reply": {"id": "id0", "title": "X"}}],
            ),
            [("interactive.action.buttons", "button ids and titles must be unique")],
        ),
        (
            _set(
                BUTTONS,
                "interactive.action.buttons",
                [*_buttons(2), {"type": "reply", "reply": {"id": "z", "title": "T0"}}],
            ),
            [("interactive.action.buttons", "button ids and titles must be unique")],
        ),
        (
            _set(
                LIST,
                "interactive.action.sections",
                [{"rows": [{"id": "a", "title": "A"}]}, {"title": "B", "rows": [{"id": "b", "title": "B"}]}],
            ),
            [("interactive.action.sections", "every section needs a title when there are several")],
        ),
        (
            _set(
                LIST,
                "interactive.action.sections",
                [{"rows": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]}],
            ),
            [("interactive.action.sections", "row ids must be unique")],
        ),
        (
            _set(LIST, "interactive.header", {"type": "image", "image": {"id": "1"}}),
            [
                ("interactive.header.type", "must be 'text'"),
                ("interactive.header.text", "required"),
                ("interactive.header.image", "not allowed here"),
            ],
        ),
        (
            {"type": "contacts", "contacts": [{"name": {"first_name": "A"}, "emails": [{"email": "nope"}]}]},
            [
                ("contacts.0.name.formatted_name", "required"),
                ("contacts.0.emails.0.email", "must be an e-mail address"),
            ],
        ),
        ({"type": "contacts", "contacts": []}, [("contacts", "at least 1 item")]),
        (
            {"type": "contacts", "contacts": [{"name": {"formatted_name": "A"}, "birthday": "18-08-2012"}]},
            [("contacts.0.birthday", "must be a date as YYYY-MM-DD")],
        ),
        (
            {"type": "location", "location": {"latitude": "north", "longitude": 0}},
            [("location.latitude", "must be a number")],
        ),
    ],
)
def test_invalid_messages_name_field_and_rule(message: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        parse_message(message)
    assert caught.value.errors == errors


@pytest.mark.parametrize("label", ["CELL", "MAIN", "IPHONE", "Boat"])
def test_contact_phone_type_is_any_label(label: str) -> None:
    """Unlike an e-mail's or address's ``type`` (HOME or WORK), a phone's is any label, kept as given."""
    contact = {"name": {"formatted_name": "A"}, "phones": [{"phone": "+1 650", "type": label}]}
    body = {"type": "contacts", "contacts": [contact]}
    assert parse_message(body).model_dump(exclude_none=True) == body


def test_build_message_body_lists_every_problem_at_once() -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        build_message_body(
            "12", {"type": "text", "text": {"body": ""}}, reply_to=" ", biz_opaque_callback_data="x" * 513
        )
    assert caught.value.errors == [
        ("to", "must be 7 to 15 digits with an optional leading +"),
        ("text.body", "must not be empty"),
        ("context.message_id", "must be a non-empty message id"),
        ("biz_opaque_callback_data", "must be a string of at most 512 characters"),
    ]


def test_build_message_body_minimal() -> None:
    assert build_message_body("31612345789", TextMessage(text=Text(body="hi"))) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "31612345789",
        "type": "text",
        "text": {"body": "hi"},
    }
    tracker = build_message_body("31612345789", TEXT, biz_opaque_callback_data="x" * 512)
    assert len(tracker["biz_opaque_callback_data"]) == 512


def test_parse_rejects_non_objects() -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        parse_message("hello")  # type: ignore[arg-type]
    assert caught.value.errors == [("", "a message must be a message model or an object")]


@pytest.mark.parametrize("kind", [["text"], 7, None, "txt"])
def test_a_type_that_names_no_message_type_is_refused(kind: object) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        parse_message({"type": kind, "text": {"body": "x"}})
    [(field, rule)] = caught.value.errors
    assert (field, rule.split(",")[0]) == ("type", "must be one of text")


@pytest.mark.parametrize(
    ("emoji", "accepted"),
    [
        ("", True),  # removes the reaction
        ("\U0001f44d", True),
        ("\U0001f44d\U0001f3fd", True),  # with a skin tone
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", True),  # a family: 7 code points
        ("ok", False),  # ASCII letters
        ("\U0001f44d ", False),  # a space
        ("\U0001f44da", False),  # an ASCII letter
        ("1", False),
        ("1\ufe0f\u20e3", True),  # keycap one: an ASCII digit, then the keycap code points
        ("\U0001f1f3\U0001f1f1", True),  # a flag: two regional indicators
        ("\u00e9", False),  # a letter, though not ASCII
        ("\u65e5", False),  # a CJK character
        ("\u2764" * 16, True),
        ("\u2764" * 17, False),
    ],
)
def test_a_reaction_is_one_short_emoji_or_nothing(emoji: str, accepted: bool) -> None:
    body = {"type": "reaction", "reaction": {"message_id": "wamid.1", "emoji": emoji}}
    if accepted:
        assert parse_message(body).model_dump(exclude_none=True) == body
    else:
        with pytest.raises(WhatsAppValidationError, match="must be one emoji"):
            parse_message(body)
