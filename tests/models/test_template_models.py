"""Template sends (and the builder for the common case) and template definitions for create/update."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import (
    TemplateDefinition,
    build_template_message,
    parse_message,
    validate_model,
)

try:
    from airflow_provider_whatsapp.sandbox.validation import validate_template_definition
except ImportError:  # pragma: no cover - the sandbox is optional for these tests
    validate_template_definition = None  # type: ignore[assignment]


def test_builder_strings_become_text_parameters() -> None:
    message = build_template_message(
        "order_update",
        "nl",
        header={"type": "image", "image": {"link": "https://example.com/h.png"}},
        body=[
            "John",
            3,
            {"type": "currency", "currency": {"fallback_value": "€1", "code": "EUR", "amount_1000": 1000}},
        ],
        buttons={0: "track/123"},
    )
    assert message.to_api() == {
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "nl"},
            "components": [
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"link": "https://example.com/h.png"}}],
                },
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "John"},
                        {"type": "text", "text": "3"},
                        {
                            "type": "currency",
                            "currency": {"fallback_value": "€1", "code": "EUR", "amount_1000": 1000},
                        },
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": 0,
                    "parameters": [{"type": "text", "text": "track/123"}],
                },
            ],
        },
    }


def test_builder_button_parameters_by_sub_type() -> None:
    message = build_template_message(
        "promo",
        header="Summer",
        buttons=[
            {"sub_type": "QUICK_REPLY", "index": "1", "parameters": ["STOP"]},
            {"sub_type": "copy_code", "index": 2, "parameters": ["SAVE25"]},
        ],
    )
    components = message.to_api()["template"]["components"]
    assert components == [
        {"type": "header", "parameters": [{"type": "text", "text": "Summer"}]},
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "1",
            "parameters": [{"type": "payload", "payload": "STOP"}],
        },
        {
            "type": "button",
            "sub_type": "copy_code",
            "index": 2,
            "parameters": [{"type": "coupon_code", "coupon_code": "SAVE25"}],
        },
    ]


def test_builder_without_parameters() -> None:
    assert build_template_message("hello_world").to_api() == {
        "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}},
    }


def test_builder_reports_problems_with_paths() -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        build_template_message(
            "Hello", body=[None], buttons=[{"sub_type": "url", "index": 10, "parameters": ["x"]}]
        )
    assert caught.value.errors == [
        ("template.name", "only lowercase letters, digits and underscores"),
        ("template.components.0.parameters.0", "must be an object"),
        ("template.components.1.index", "must be 0 to 9"),
    ]


@pytest.mark.parametrize(
    ("index", "ok"),
    [(0, True), (9, True), ("9", True), (10, False), ("a", False), (True, False), (-1, False)],
)
def test_button_index(index: Any, ok: bool) -> None:
    message = {
        "type": "template",
        "template": {
            "name": "t",
            "language": {"code": "en"},
            "components": [
                {
                    "type": "button",
                    "sub_type": "Url",
                    "index": index,
                    "parameters": [{"type": "text", "text": "x"}],
                }
            ],
        },
    }
    if ok:
        dumped = parse_message(message).to_api()["template"]["components"][0]
        assert dumped["index"] == index
        assert dumped["sub_type"] == "url"
    else:
        with pytest.raises(WhatsAppValidationError) as caught:
            parse_message(message)
        assert caught.value.errors == [("template.components.0.index", "must be 0 to 9")]


def test_template_language_policy_only_deterministic() -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        parse_message(
            {"type": "template", "template": {"name": "t", "language": {"code": "en", "policy": "fallback"}}}
        )
    assert caught.value.errors == [("template.language.policy", "must be 'deterministic'")]


MATON_DEFINITION = {
    "name": "order_confirmation",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order Confirmation"},
        {
            "type": "BODY",
            "text": "Hi {{1}}, your order #{{2}} has been confirmed!",
            "example": {"body_text": [["Pablo", "860198"]]},
        },
        {"type": "FOOTER", "text": "Thank you for your purchase"},
    ],
}
META_DEFINITIONS = [
    {
        "name": "limited_time_offer_tuscan_getaway_2023",
        "language": "en_US",
        "category": "MARKETING",
        "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2UvanBn:ARY"]}},
            {
                "type": "BODY",
                "text": "Hi {{1}}! For a limited time only you can get our {{2}} for as low as {{3}}.",
                "example": {"body_text": [["Mark", "Tuscan Getaway package", "800"]]},
            },
            {"type": "FOOTER", "text": "Offer valid until May 31, 2023"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "PHONE_NUMBER", "text": "Call", "phone_number": "15550051310"},
                    {
                        "type": "URL",
                        "text": "Shop Now",
                        "url": "https://www.luckyshrub.com/shop?promo={{1}}",
                        "example": ["summer2023"],
                    },
                ],
            },
        ],
    },
    {
        "name": "authentication_code_copy_code_button",
        "language": "en_US",
        "category": "AUTHENTICATION",
        "components": [
            {"type": "BODY", "add_security_recommendation": True},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy Code"}]},
        ],
    },
    {
        "name": "order_delivery_update",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {"type": "HEADER", "format": "LOCATION"},
            {"type": "BODY", "text": "Good news! Your order is on its way."},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop Delivery Updates"}]},
        ],
    },
]


@pytest.mark.parametrize("definition", [MATON_DEFINITION, *META_DEFINITIONS])
def test_definitions_round_trip(definition: dict[str, Any]) -> None:
    body = validate_model(TemplateDefinition, definition).to_api()
    assert body == definition
    if validate_template_definition is not None:
        assert validate_template_definition(body) is None


def test_definition_enums_in_any_case() -> None:
    definition = {
        "name": "x",
        "language": "en",
        "category": "marketing",
        "components": [
            {"type": "body", "text": "Hi"},
            {"type": "buttons", "buttons": [{"type": "quick_reply", "text": "A"}]},
        ],
    }
    assert validate_model(TemplateDefinition, definition).to_api() == {
        "name": "x",
        "language": "en",
        "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hi"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "A"}]},
        ],
    }


def _definition(*components: dict[str, Any], category: str = "UTILITY") -> dict[str, Any]:
    return {"name": "t", "language": "en", "category": category, "components": list(components)}


BODY = {"type": "BODY", "text": "Hello"}


@pytest.mark.parametrize(
    ("definition", "errors"),
    [
        (
            _definition({"type": "HEADER", "format": "TEXT", "text": "x" * 61}, BODY),
            [("components.0.text", "at most 60 characters")],
        ),
        (
            _definition({"type": "BODY", "text": "x" * 1025}),
            [("components.0.text", "at most 1024 characters")],
        ),
        (
            _definition(BODY, {"type": "FOOTER", "text": "x" * 61}),
            [("components.1.text", "at most 60 characters")],
        ),
        (
            _definition(BODY, {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "x" * 26}]}),
            [("components.1.buttons.0.text", "at most 25 characters")],
        ),
        (
            _definition(
                BODY,
                {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": str(i)} for i in range(11)]},
            ),
            [("components.1.buttons", "at most 10 items")],
        ),
        (
            _definition(
                BODY,
                {
                    "type": "BUTTONS",
                    "buttons": [{"type": "URL", "text": str(i), "url": "https://e.x"} for i in range(3)],
                },
            ),
            [("components.1.buttons", "at most 2 URL buttons")],
        ),
        (
            _definition(
                BODY,
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {"type": "PHONE_NUMBER", "text": str(i), "phone_number": "1"} for i in range(2)
                    ],
                },
            ),
            [("components.1.buttons", "at most 1 PHONE_NUMBER button")],
        ),
        (
            _definition(
                BODY, {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "a", "url": "ftp://e.x"}]}
            ),
            [("components.1.buttons.0.url", "must be an http(s) URL")],
        ),
        (
            _definition({"type": "HEADER", "format": "IMAGE", "text": "no"}, BODY),
            [("components.0", "text is required for a TEXT header and not allowed otherwise")],
        ),
        (
            _definition({"type": "BODY", "text": "Hi {{1}}"}),
            [("components.0", "example values are required when the text has variables")],
        ),
        (
            _definition(BODY, {"type": "FOOTER", "text": "{{1}}"}),
            [("components.1", "at most 0 variables in text")],
        ),
        (
            _definition({"type": "HEADER", "format": "TEXT", "text": "x"}),
            [("components", "exactly one BODY component")],
        ),
        (_definition(BODY, BODY), [("components", "exactly one BODY component")]),
        (
            _definition(BODY, {"type": "FOOTER", "text": "a"}, {"type": "FOOTER", "text": "b"}),
            [("components", "at most one FOOTER component")],
        ),
        (
            _definition({"type": "BODY"}),
            [("components", "the BODY needs text (only AUTHENTICATION templates may leave it out)")],
        ),
        (
            _definition(BODY, {"type": "FOOTER", "code_expiration_minutes": 91}, category="AUTHENTICATION"),
            [("components.1.code_expiration_minutes", "at most 90")],
        ),
        (
            _definition(BODY, category="PROMO"),
            [("category", "must be 'AUTHENTICATION', 'MARKETING' or 'UTILITY'")],
        ),
        (
            _definition({"type": "CAROUSEL"}),
            [("components.0.type", "must be one of 'HEADER', 'BODY', 'FOOTER', 'BUTTONS'")],
        ),
        (
            {**_definition(BODY), "name": "Bad Name"},
            [("name", "only lowercase letters, digits and underscores")],
        ),
    ],
)
def test_definition_limits(definition: dict[str, Any], errors: list[tuple[str, str]]) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        validate_model(TemplateDefinition, definition)
    assert caught.value.errors == errors


def test_definition_boundaries_pass() -> None:
    definition = _definition(
        {"type": "HEADER", "format": "TEXT", "text": "x" * 60},
        {"type": "BODY", "text": "x" * 1024},
        {"type": "FOOTER", "text": "x" * 60},
        {
            "type": "BUTTONS",
            "buttons": [
                *({"type": "QUICK_REPLY", "text": f"{i:025d}"} for i in range(7)),
                {"type": "URL", "text": "a", "url": "https://e.x/" + "x" * 1988},
                {"type": "URL", "text": "b", "url": "https://e.x"},
                {"type": "PHONE_NUMBER", "text": "c", "phone_number": "1" * 20},
            ],
        },
    )
    assert validate_model(TemplateDefinition, definition).to_api() == definition
