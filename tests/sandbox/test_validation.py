"""The sandbox accepts Meta's own example requests and rejects broken ones with the Graph code and field."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from airflow_provider_whatsapp.sandbox.validation import (
    Rejection,
    validate_message,
    validate_message_schema,
)

SPEC = Path(__file__).parents[2].parent / "shared/reference/meta-business-messaging-api_v23.0.yaml"
MISSING_SPEC = f"Meta's OpenAPI file is not at {SPEC} (it lives in ../shared/reference, outside the repo)"
# The 4 examples the schema cannot accept even with the errata relaxed (see the reference README).
KNOWN_EXCEPTIONS = {
    "Send Multi-Product Message": "interactive.header.type",  # a "<HEADER_TYPE>" placeholder
    "Send Order Details Message": "interactive.type",  # payments: not described by the schema
    "Send Order Status Message": "interactive.type",
    "Send Reply to List Message": "text",  # omits "type": "interactive", so it reads as a text message
}


def _message_examples() -> dict[str, dict[str, Any]]:
    """Meta's /messages request examples by name, or nothing when the reference file is absent."""
    if not SPEC.exists():
        return {}
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    body = spec["paths"]["/{Version}/{Phone-Number-ID}/messages"]["post"]["requestBody"]
    return {
        name: example["value"] for name, example in body["content"]["application/json"]["examples"].items()
    }


EXAMPLES = _message_examples()
ACCEPTED = sorted(set(EXAMPLES) - set(KNOWN_EXCEPTIONS))
needs_spec = pytest.mark.skipif(not EXAMPLES, reason=MISSING_SPEC)


def _params(names: list[str]) -> list[Any]:
    """Parameters for ``names``, or a single skipped one when the spec is absent."""
    return names or [pytest.param("absent", marks=pytest.mark.skip(reason=MISSING_SPEC))]


def _fill_placeholders(value: Any) -> Any:
    """Meta's examples with their placeholders (recipient, http(s) links) replaced by real-looking values."""
    if isinstance(value, dict):
        return {key: _fill_placeholders(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill_placeholders(item) for item in value]
    if isinstance(value, str) and value.startswith("{{Recipient"):
        return "16505551234"
    if isinstance(value, str):
        return re.sub(r"^<?http\(s\)://([^>]*)>?$", r"https://example.com/\1", value)
    return value


@needs_spec
def test_exactly_the_known_four_of_the_fifty_examples_fail_the_schema() -> None:
    rejected = {name for name, body in EXAMPLES.items() if validate_message_schema(body) is not None}
    assert len(EXAMPLES) == 50
    assert rejected == set(KNOWN_EXCEPTIONS)


@pytest.mark.parametrize("name", _params(ACCEPTED))
def test_meta_example_passes_the_schema_as_published_and_all_checks_once_filled(name: str) -> None:
    assert validate_message_schema(EXAMPLES[name]) is None
    assert validate_message(_fill_placeholders(EXAMPLES[name])) is None


@pytest.mark.parametrize("name", _params(sorted(KNOWN_EXCEPTIONS) if EXAMPLES else []))
def test_known_exception_is_rejected_naming_its_field(name: str) -> None:
    rejection = validate_message_schema(EXAMPLES[name])
    assert rejection is not None
    assert rejection.details.startswith(KNOWN_EXCEPTIONS[name] + ":")


@needs_spec
def test_without_the_errata_nineteen_examples_fail_their_own_schema() -> None:
    strict = {name for name, body in EXAMPLES.items() if validate_message_schema(body, errata=False)}
    assert len(strict) == 19
    assert set(KNOWN_EXCEPTIONS) <= strict
    assert {"Send Test Message", "Send Location Message", "Send typing indicator and read receipt"} <= strict


def _template(component: dict[str, Any]) -> dict[str, Any]:
    """A template message with one button component."""
    language = {"code": "en_US", "policy": "deterministic"}
    template = {"name": "order_update", "language": language, "components": [component]}
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "16505551234", **template}


TEXT = {
    "messaging_product": "whatsapp",
    "recipient_type": "individual",
    "to": "16505551234",
    "type": "text",
    "text": {"body": "hello"},
}
BUTTON = {"type": "button", "sub_type": "quick_reply", "index": "2", "parameters": [{"type": "payload"}]}
CONTACT = {"name": {"formatted_name": "Ann"}, "phones": [{"phone": "+1 650 555 1234", "type": "CELL"}]}
LOCATION = {"latitude": 52.37, "longitude": 4.89}
ERRATA: dict[str, tuple[dict[str, Any], str]] = {
    "recipient_type defaults to individual": (
        {k: v for k, v in TEXT.items() if k != "recipient_type"},
        "recipient_type",
    ),
    "type defaults to text": ({k: v for k, v in TEXT.items() if k != "type"}, "type"),
    "language.policy optional": (
        {**TEXT, "type": "template", "text": None, "template": {"name": "hi", "language": {"code": "en"}}},
        "template.language.policy",
    ),
    "coordinates are numbers": (
        {**TEXT, "type": "location", "text": None, "location": LOCATION},
        "location.latitude",
    ),
    "phone type is any label": (
        {**TEXT, "type": "contacts", "text": None, "contacts": [CONTACT]},
        "contacts[0].phones[0].type",
    ),
    "button index is an integer": (
        {
            **TEXT,
            "type": "template",
            "text": None,
            "template": {
                "name": "hi",
                "language": {"code": "en", "policy": "deterministic"},
                "components": [{**BUTTON, "index": 0}],
            },
        },
        "template.components[0].index",
    ),
    "button sub_type in any case": (
        {
            **TEXT,
            "type": "template",
            "text": None,
            "template": {
                "name": "hi",
                "language": {"code": "en", "policy": "deterministic"},
                "components": [{**BUTTON, "sub_type": "QUICK_REPLY"}],
            },
        },
        "template.components[0].sub_type",
    ),
    "read receipt with typing indicator": (
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.X",
            "typing_indicator": {"type": "text"},
        },
        "typing_indicator",
    ),
}


@pytest.mark.parametrize("erratum", sorted(ERRATA))
def test_each_erratum_is_needed_and_relaxed(erratum: str) -> None:
    body, field = ERRATA[erratum]
    body = {key: value for key, value in body.items() if value is not None}
    assert validate_message_schema(body) is None
    assert validate_message(body) is None
    strict = validate_message_schema(body, errata=False)
    assert strict is not None
    assert strict.details.startswith(field + ":")


def _with(path: str, value: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``body`` (default: the valid text message) with dotted ``path`` set (``...`` removes it)."""
    result = copy.deepcopy(TEXT if body is None else body)
    *parents, leaf = path.split(".")
    node = result
    for key in parents:
        node = node.setdefault(key, {})
    if value is ...:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return result


IMAGE = {**{k: v for k, v in TEXT.items() if k != "text"}, "type": "image", "image": {"id": "1"}}
HEADER_IMAGE = {"type": "image"}
INTERACTIVE = {
    **{k: v for k, v in TEXT.items() if k != "text"},
    "type": "interactive",
    "interactive": {
        "type": "cta_url",
        "body": {"text": "See the dates"},
        "action": {"name": "cta_url", "parameters": {"display_text": "Dates", "url": "https://example.com"}},
    },
}
BROKEN: list[tuple[str, Any, int, str]] = [
    ("not an object", [], 100, "body:"),
    ("unknown message type", _with("type", "carrier_pigeon"), 131051, "type:"),
    ("messaging_product missing", _with("messaging_product", ...), 100, "messaging_product: required"),
    ("messaging_product not whatsapp", _with("messaging_product", "sms"), 131009, "messaging_product:"),
    ("text body missing", _with("text.body", ...), 131008, "text.body: required"),
    ("text body not a string", _with("text.body", 7), 100, "text.body: must be string"),
    ("text body empty", _with("text.body", ""), 131009, "text.body: must not be empty"),
    ("unknown parameter", _with("colour", "red"), 100, "colour: not a known parameter"),
    ("recipient_type unknown", _with("recipient_type", "crowd"), 131009, "recipient_type:"),
    ("to not a number", _with("to", "alice"), 131009, "to:"),
    ("to with spaces", _with("to", "+31 6 1234 5678"), 131009, "to:"),
    (
        "image both id and link",
        _with("image.link", "https://example.com/a.png", IMAGE),
        131009,
        "image: exactly one of id or link",
    ),
    (
        "image neither id nor link",
        _with("image.id", ..., IMAGE),
        131008,
        "image: one of id or link is required",
    ),
    (
        "image link not http",
        _with("image", {"link": "ftp://example.com/a.png"}, IMAGE),
        131009,
        "image.link:",
    ),
    (
        "sticker both id and link",
        _with(
            "sticker",
            {"id": "1", "link": "https://e.com/s.webp"},
            {**IMAGE, "type": "sticker", "image": None},
        ),
        131009,
        "sticker: exactly one of id or link",
    ),
    (
        "interactive type unknown",
        _with("interactive.type", "hologram", INTERACTIVE),
        131009,
        "interactive.type:",
    ),
    (
        "cta_url without url",
        _with("interactive.action.parameters.url", ..., INTERACTIVE),
        131008,
        "interactive.action.parameters.url: required",
    ),
    (
        "cta_url with ftp url",
        _with("interactive.action.parameters.url", "ftp://x", INTERACTIVE),
        131009,
        "interactive.action.parameters.url:",
    ),
    (
        "cta_url wrong action name",
        _with("interactive.action.name", "send_location", INTERACTIVE),
        131009,
        "interactive.action.name:",
    ),
    (
        "cta_url without body",
        _with("interactive.body", ..., INTERACTIVE),
        131008,
        "interactive.body: required",
    ),
    (
        "header image missing",
        _with("interactive.header", HEADER_IMAGE, INTERACTIVE),
        131008,
        "interactive.header.image: required",
    ),
    (
        "read receipt without message_id",
        {"messaging_product": "whatsapp", "status": "read"},
        131008,
        "message_id: required",
    ),
    (
        "read receipt for another product",
        {"messaging_product": "sms", "status": "read", "message_id": "w"},
        131009,
        "messaging_product:",
    ),
    (
        "read receipt with other status",
        {"messaging_product": "whatsapp", "status": "sent", "message_id": "w"},
        131009,
        "status:",
    ),
    (
        "read receipt typing audio",
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "w",
            "typing_indicator": {"type": "audio"},
        },
        131009,
        "typing_indicator.type:",
    ),
    (
        "reaction without message_id",
        {**IMAGE, "type": "reaction", "image": None, "reaction": {"emoji": "👍"}},
        131008,
        "reaction.message_id: required",
    ),
    (
        "reaction with words",
        {**IMAGE, "type": "reaction", "image": None, "reaction": {"emoji": "ok", "message_id": "w"}},
        131009,
        "reaction.emoji:",
    ),
    (
        "location latitude not numeric",
        {**IMAGE, "type": "location", "image": None, "location": {"latitude": "north", "longitude": 4}},
        131009,
        "location.latitude:",
    ),
    (
        "location without longitude",
        {**IMAGE, "type": "location", "image": None, "location": {"latitude": 1}},
        131008,
        "location.longitude: required",
    ),
    (
        "contact without formatted_name",
        {**IMAGE, "type": "contacts", "image": None, "contacts": [{"name": {"first_name": "A"}}]},
        131008,
        "contacts[0].name.formatted_name: required",
    ),
    (
        "contacts empty",
        {**IMAGE, "type": "contacts", "image": None, "contacts": []},
        131009,
        "contacts: at least 1 items",
    ),
    (
        "template without name",
        _template({"type": "body"}) | {"type": "template", "template": {"language": {"code": "en"}}},
        131008,
        "template.name: required",
    ),
    (
        "template without language code",
        _template({"type": "body"}) | {"type": "template", "template": {"name": "a", "language": {}}},
        131008,
        "template.language.code: required",
    ),
]


@pytest.mark.parametrize(("case", "body", "code", "details"), BROKEN, ids=[case[0] for case in BROKEN])
def test_broken_body_gets_graph_code_and_names_the_field(
    case: str, body: Any, code: int, details: str
) -> None:
    if isinstance(body, dict):
        body = {key: value for key, value in body.items() if value is not None}
    rejection = validate_message(body)
    assert rejection is not None, case
    assert (rejection.code, rejection.status) == (code, 400)
    assert rejection.details.startswith(details), rejection.details
    assert rejection.message.startswith(f"(#{code}) ")


def test_rejection_is_a_frozen_graph_error() -> None:
    rejection = validate_message(_with("text.body", ...))
    assert rejection == Rejection(131008, "(#131008) Required parameter is missing", "text.body: required")
    with pytest.raises(AttributeError):
        rejection.code = 1  # type: ignore[misc]


def test_group_recipient_is_not_a_phone_number() -> None:
    assert validate_message(_with("recipient_type", "group") | {"to": "group-id-120363"}) is None


def test_valid_interactive_reaction_and_mark_as_read_bodies_pass() -> None:
    location_request = {
        "type": "location_request_message",
        "body": {"text": "Where?"},
        "action": {"name": "send_location"},
    }
    reaction = {**{k: v for k, v in IMAGE.items() if k != "image"}, "type": "reaction"}
    assert validate_message(INTERACTIVE) is None
    assert validate_message(_with("interactive", location_request, INTERACTIVE)) is None
    assert (
        validate_message({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}) is None
    )
    assert validate_message(reaction | {"reaction": {"emoji": "", "message_id": "w"}}) is None
    assert validate_message(reaction | {"reaction": {"emoji": "👨‍👩‍👧‍👦", "message_id": "w"}}) is None
