"""Every documented message limit holds at its boundary: exactly at the limit passes, one over fails."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_whatsapp.sandbox import limits
from airflow_provider_whatsapp.sandbox.validation import validate_message

Builder = Callable[[int], dict[str, Any]]


def message(kind: str, payload: Any) -> dict[str, Any]:
    """A complete message body of ``kind``."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16505551234",
        "type": kind,
        kind: payload,
    }


def text(length: int) -> dict[str, Any]:
    """A text message whose body has ``length`` characters."""
    return message("text", {"body": "x" * length})


def interactive(kind: str, action: dict[str, Any], body: str = "Pick one", **extra: Any) -> dict[str, Any]:
    """An interactive message of ``kind``."""
    return message("interactive", {"type": kind, "body": {"text": body}, "action": action, **extra})


def padded(prefix: str, length: int) -> str:
    """A string of exactly ``length`` characters starting with ``prefix`` (unique per prefix)."""
    return (prefix + "x" * length)[:length] if length >= len(prefix) else prefix[:length]


def buttons(count: int = 1, title: int = 5, ident: int = 5, **extra: Any) -> dict[str, Any]:
    """A reply-buttons message with ``count`` buttons whose titles and ids have the given lengths."""
    replies = [
        {"type": "reply", "reply": {"id": padded(f"{i}-", ident), "title": padded(f"{i}-", title)}}
        for i in range(count)
    ]
    return interactive("button", {"buttons": replies}, **extra)


def list_message(
    rows: tuple[int, ...] = (1,),
    row_title: int = 5,
    description: int = 5,
    row_id: int = 5,
    title: int = 5,
    button: int = 5,
    body: int = 5,
) -> dict[str, Any]:
    """A list message with ``rows[i]`` rows in section i and the given field lengths."""
    sections = [
        {
            "title": padded(f"{s}-", title),
            "rows": [
                {
                    "id": padded(f"{s}.{r}-", row_id),
                    "title": padded(f"{s}.{r}-", row_title),
                    "description": "d" * description,
                }
                for r in range(count)
            ],
        }
        for s, count in enumerate(rows)
    ]
    return interactive("list", {"button": "b" * button, "sections": sections}, body="x" * body)


def cta(display_text: int = 5, body: int = 5) -> dict[str, Any]:
    """A CTA URL message."""
    parameters = {"display_text": "d" * display_text, "url": "https://example.com/offer"}
    return interactive("cta_url", {"name": "cta_url", "parameters": parameters}, body="x" * body)


def details(body: dict[str, Any]) -> str:
    """The details of the rejection ``body`` must get."""
    rejection = validate_message(body)
    assert rejection is not None
    return rejection.details


def media(kind: str) -> Builder:
    """A media message builder whose caption has the given length."""
    return lambda n: message(kind, {"link": "https://example.com/file", "caption": "c" * n})


BOUNDARIES: list[tuple[str, Builder, int, str]] = [
    ("text body", text, limits.TEXT_BODY_MAX, "text.body"),
    *[
        (f"{kind} caption", media(kind), limits.MEDIA_CAPTION_MAX, f"{kind}.caption")
        for kind in ("image", "video", "document")
    ],
    (
        "callback data",
        lambda n: text(1) | {"biz_opaque_callback_data": "o" * n},
        512,
        "biz_opaque_callback_data",
    ),
    ("reply button count", lambda n: buttons(count=n), 3, "interactive.action.buttons"),
    ("reply button title", lambda n: buttons(title=n), 20, "interactive.action.buttons[0].reply.title"),
    ("reply button id", lambda n: buttons(ident=n), 256, "interactive.action.buttons[0].reply.id"),
    ("button body", lambda n: buttons(body="x" * n), 1024, "interactive.body.text"),
    (
        "header text",
        lambda n: buttons(header={"type": "text", "text": "h" * n}),
        60,
        "interactive.header.text",
    ),
    ("footer text", lambda n: buttons(footer={"text": "f" * n}), 60, "interactive.footer.text"),
    ("list button text", lambda n: list_message(button=n), 20, "interactive.action.button"),
    ("list sections", lambda n: list_message(rows=(1,) * n), 10, "interactive.action.sections"),
    ("list rows in all", lambda n: list_message(rows=(5, n - 5)), 10, "interactive.action.sections[].rows"),
    (
        "list row title",
        lambda n: list_message(row_title=n),
        24,
        "interactive.action.sections[0].rows[0].title",
    ),
    (
        "list row description",
        lambda n: list_message(description=n),
        72,
        "interactive.action.sections[0].rows[0].description",
    ),
    ("list row id", lambda n: list_message(row_id=n), 200, "interactive.action.sections[0].rows[0].id"),
    ("list section title", lambda n: list_message(title=n), 24, "interactive.action.sections[0].title"),
    ("list body", lambda n: list_message(body=n), 4096, "interactive.body.text"),
    ("cta display text", lambda n: cta(display_text=n), 20, "interactive.action.parameters.display_text"),
    ("cta body", lambda n: cta(body=n), 1024, "interactive.body.text"),
    (
        "location request body",
        lambda n: interactive("location_request_message", {"name": "send_location"}, body="x" * n),
        4096,
        "interactive.body.text",
    ),
    (
        "template name",
        lambda n: message("template", {"name": "t" * n, "language": {"code": "en"}}),
        512,
        "template.name",
    ),
    ("to digits", lambda n: text(1) | {"to": "+" + "1" * n}, 15, "to"),
    (
        "reaction emoji",
        lambda n: message("reaction", {"message_id": "wamid.X", "emoji": "😀" * n}),
        16,
        "reaction.emoji",
    ),
]


@pytest.mark.parametrize(
    ("name", "build", "limit", "field"), BOUNDARIES, ids=[case[0] for case in BOUNDARIES]
)
def test_limit_holds_at_its_boundary(name: str, build: Builder, limit: int, field: str) -> None:
    assert validate_message(build(limit)) is None, name
    rejection = validate_message(build(limit + 1))
    assert rejection is not None, name
    assert rejection.code == 131009
    assert rejection.details.startswith(field + ":"), rejection.details


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (buttons(count=0), "interactive.action.buttons: at least 1 items"),
        (list_message(rows=()), "interactive.action.sections: at least 1 items"),
        (list_message(rows=(0,)), "interactive.action.sections[0].rows: at least 1 items"),
        (buttons(title=0), "interactive.action.buttons[0].reply.title: must not be empty"),
        (cta(display_text=0), "interactive.action.parameters.display_text: must not be empty"),
    ],
)
def test_minimum_counts_and_lengths(body: dict[str, Any], field: str) -> None:
    rejection = validate_message(body)
    assert rejection is not None
    assert rejection.details == field


def test_reply_button_ids_and_titles_are_unique() -> None:
    body = buttons(count=2)
    replies = body["interactive"]["action"]["buttons"]
    replies[1]["reply"]["id"] = replies[0]["reply"]["id"]
    assert details(body).startswith("interactive.action.buttons[].reply.id: must be unique")
    body = buttons(count=2)
    body["interactive"]["action"]["buttons"][1]["reply"]["title"] = body["interactive"]["action"]["buttons"][
        0
    ]["reply"]["title"]
    assert details(body).startswith("interactive.action.buttons[].reply.title: must be unique")


def test_list_row_ids_are_unique_and_sections_need_titles_when_several() -> None:
    body = list_message(rows=(1, 1))
    sections = body["interactive"]["action"]["sections"]
    sections[1]["rows"][0]["id"] = sections[0]["rows"][0]["id"]
    assert details(body).startswith("interactive.action.sections[].rows[].id: must be unique")
    body = list_message(rows=(1, 1))
    del body["interactive"]["action"]["sections"][1]["title"]
    rejection = validate_message(body)
    assert rejection is not None
    assert (rejection.code, rejection.details.split(":")[0]) == (
        131008,
        "interactive.action.sections[1].title",
    )
    single = list_message(rows=(3,))
    del single["interactive"]["action"]["sections"][0]["title"]
    assert validate_message(single) is None


def test_list_header_is_text_only() -> None:
    body = list_message()
    body["interactive"]["header"] = {"type": "image", "image": {"link": "https://example.com/a.png"}}
    assert details(body).startswith("interactive.header.type: one of")


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=limits.TEXT_BODY_MAX + 200))
def test_text_body_accepted_exactly_up_to_4096_characters(body: str) -> None:
    accepted = validate_message(message("text", {"body": body})) is None
    assert accepted == (len(body) <= limits.TEXT_BODY_MAX)


coordinates = st.floats(allow_nan=True, allow_infinity=True) | st.floats(-200, 200)


@given(latitude=coordinates, longitude=coordinates, as_text=st.booleans())
def test_coordinates_accepted_exactly_within_range(latitude: float, longitude: float, as_text: bool) -> None:
    location = (
        {"latitude": repr(latitude), "longitude": repr(longitude)}
        if as_text
        else {"latitude": latitude, "longitude": longitude}
    )
    accepted = validate_message(message("location", location)) is None
    assert accepted == (
        math.isfinite(latitude)
        and -90 <= latitude <= 90
        and math.isfinite(longitude)
        and -180 <= longitude <= 180
    )


@given(st.from_regex(r"\+?[0-9]{1,15}", fullmatch=True))
def test_any_e164_like_recipient_is_accepted(to: str) -> None:
    assert validate_message(text(1) | {"to": to}) is None


@given(st.text(min_size=1, max_size=20).filter(lambda s: not limits.TO_PATTERN.fullmatch(s)))
def test_other_recipients_are_rejected(to: str) -> None:
    rejection = validate_message(text(1) | {"to": to})
    assert rejection is not None
    assert rejection.details.startswith("to:")
