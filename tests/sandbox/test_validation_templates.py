"""Template create / edit and business profile update bodies: Meta's examples pass, each limit holds."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from airflow_provider_whatsapp.sandbox.validation import (
    Rejection,
    template_placeholder_count,
    validate_business_profile_update,
    validate_template_definition,
    validate_template_edit,
)

SPEC = Path(__file__).parents[2].parent / "shared/reference/meta-business-messaging-api_v23.0.yaml"
MISSING_SPEC = f"Meta's OpenAPI file is not at {SPEC} (it lives in ../shared/reference, outside the repo)"
PATHS = {
    "create": "/{Version}/{WABA-ID}/message_templates",
    "edit": "/{Version}/{TEMPLATE_ID}",
    "profile": "/{Version}/{Phone-Number-ID}/whatsapp_business_profile",
}
VALIDATORS: dict[str, Callable[[dict[str, Any]], Rejection | None]] = {
    "create": validate_template_definition,
    "edit": validate_template_edit,
    "profile": validate_business_profile_update,
}


def _examples() -> list[Any]:
    """(endpoint, name, body) of Meta's examples for the three endpoints, or one skipped parameter."""
    if not SPEC.exists():
        return [pytest.param("create", "absent", {}, marks=pytest.mark.skip(reason=MISSING_SPEC))]
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    cases = []
    for endpoint, path in PATHS.items():
        examples = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["examples"]
        cases += [
            pytest.param(endpoint, name, example["value"], id=f"{endpoint}: {name}")
            for name, example in examples.items()
        ]
    return cases


@pytest.mark.parametrize(("endpoint", "name", "body"), _examples())
def test_meta_example_is_accepted(endpoint: str, name: str, body: dict[str, Any]) -> None:
    if body.get("name") == "<TEMPLATE_NAME>":  # Meta's placeholder: template names are [a-z0-9_]
        body = body | {"name": "flow_offer"}
    assert VALIDATORS[endpoint](body) is None, name


BODY = {
    "type": "BODY",
    "text": "Hi {{1}}, your order {{2}} shipped.",
    "example": {"body_text": [["Ann", "42"]]},
}
TEMPLATE = {"name": "order_shipped", "language": "en_US", "category": "UTILITY", "components": [BODY]}


def template(*components: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A template definition with a valid body plus ``components``, and ``fields`` overridden."""
    return copy.deepcopy(TEMPLATE | {"components": [BODY, *components]} | fields)


def buttons(*kinds: str, **fields: Any) -> dict[str, Any]:
    """A BUTTONS component with one button per kind."""
    extra = {"URL": {"url": "https://example.com/track"}, "PHONE_NUMBER": {"phone_number": "16505551234"}}
    return {
        "type": "BUTTONS",
        "buttons": [
            {"type": kind, "text": f"Button {i}", **extra.get(kind, {}), **fields}
            for i, kind in enumerate(kinds)
        ],
    }


BOUNDARIES: list[tuple[str, Callable[[int], dict[str, Any]], int, str]] = [
    ("name length", lambda n: template(name="n" * n), 512, "name"),
    (
        "body text",
        lambda n: template(components=[{"type": "BODY", "text": "b" * n}]),
        1024,
        "components[0].text",
    ),
    (
        "header text",
        lambda n: template({"type": "HEADER", "format": "TEXT", "text": "h" * n}),
        60,
        "components[1].text",
    ),
    ("footer text", lambda n: template({"type": "FOOTER", "text": "f" * n}), 60, "components[1].text"),
    (
        "button text",
        lambda n: template({"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "t" * n}]}),
        25,
        "components[1].buttons[0].text",
    ),
    ("buttons in all", lambda n: template(buttons(*["QUICK_REPLY"] * n)), 10, "components[1].buttons"),
    ("URL buttons", lambda n: template(buttons(*["URL"] * n)), 2, "components[1].buttons"),
    ("phone number buttons", lambda n: template(buttons(*["PHONE_NUMBER"] * n)), 1, "components[1].buttons"),
    ("copy code buttons", lambda n: template(buttons(*["COPY_CODE"] * n)), 1, "components[1].buttons"),
    (
        "header placeholders",
        lambda n: template(
            {"type": "HEADER", "format": "TEXT", "text": "{{1}}{{2}}"[: 5 * n], "example": {}}
        ),
        1,
        "components[1].text",
    ),
    (
        "code expiration",
        lambda n: template(
            components=[{"type": "BODY"}, {"type": "FOOTER", "code_expiration_minutes": n}],
            category="AUTHENTICATION",
        ),
        90,
        "components[1].code_expiration_minutes",
    ),
]


@pytest.mark.parametrize(
    ("name", "build", "limit", "field"), BOUNDARIES, ids=[case[0] for case in BOUNDARIES]
)
def test_template_limit_holds_at_its_boundary(
    name: str, build: Callable[[int], dict[str, Any]], limit: int, field: str
) -> None:
    assert validate_template_definition(build(limit)) is None, name
    rejection = validate_template_definition(build(limit + 1))
    assert rejection is not None, name
    assert (rejection.code, rejection.message) == (100, "(#100) Invalid parameter")
    assert rejection.details.startswith(field + ":"), rejection.details


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (template(name="Order-Shipped"), "name: must match"),
        (template(category="PROMOTION"), "category: one of"),
        ({k: v for k, v in TEMPLATE.items() if k != "category"}, "category: required"),
        ({k: v for k, v in TEMPLATE.items() if k != "name"}, "name: required"),
        (template(components=[]), "components: at least 1 items"),
        (
            template(components=[{"type": "FOOTER", "text": "bye"}]),
            "components: a BODY component is required",
        ),
        (template({"type": "body", "text": "again"}), "components[1].type: at most one BODY"),
        (template({"type": "SIDEBAR"}), "components[1].type: one of"),
        (template(components=[{"type": "BODY"}]), "components[0].text: required"),
        (template(components=[{"type": "BODY", "text": "Hi {{1}}"}]), "components[0].example: required"),
        (template({"type": "HEADER", "format": "HOLOGRAM"}), "components[1].format: one of"),
        (template({"type": "HEADER", "format": "TEXT"}), "components[1].text: required"),
        (template(buttons("URL", url="ftp://example.com")), "components[1].buttons[0].url:"),
        (template({"type": "BUTTONS", "buttons": []}), "components[1].buttons: 1 to 10"),
    ],
)
def test_broken_template_is_rejected_naming_the_field(body: dict[str, Any], field: str) -> None:
    rejection = validate_template_definition(body)
    assert rejection is not None
    assert rejection.code == 100
    assert rejection.details.startswith(field), rejection.details


def test_template_edit_needs_category_or_components_and_checks_them() -> None:
    assert validate_template_edit({"category": "MARKETING"}) is None
    assert validate_template_edit({"components": [{"type": "FOOTER", "text": "bye"}]}) is None
    assert validate_template_edit({}) == Rejection(
        100, "(#100) Invalid parameter", "body: an edit needs category or components"
    )
    rejection = validate_template_edit({"components": [{"type": "FOOTER", "text": "f" * 61}]})
    assert rejection is not None
    assert rejection.details.startswith("components[0].text:")


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("Hi {{1}}", 1),
        ("{{1}} {{2}} {{1}}", 2),
        ("Hello {{first_name}}, code {{code}}", 2),
        ("{{ 1 }} {1}", 0),
    ],
)
def test_template_placeholder_count(text: str, count: int) -> None:
    assert template_placeholder_count(text) == count


PROFILE = {"messaging_product": "whatsapp"}
PROFILE_BOUNDARIES: list[tuple[str, Callable[[int], dict[str, Any]], int, str]] = [
    ("about", lambda n: PROFILE | {"about": "a" * n}, 139, "about"),
    ("address", lambda n: PROFILE | {"address": "a" * n}, 256, "address"),
    ("description", lambda n: PROFILE | {"description": "d" * n}, 512, "description"),
    ("email", lambda n: PROFILE | {"email": "e" * (n - 7) + "@ex.com"}, 128, "email"),
    (
        "websites",
        lambda n: PROFILE | {"websites": [f"https://example.com/{i}" for i in range(n)]},
        2,
        "websites",
    ),
    ("website length", lambda n: PROFILE | {"websites": ["https://" + "w" * (n - 8)]}, 256, "websites[0]"),
]


@pytest.mark.parametrize(
    ("name", "build", "limit", "field"), PROFILE_BOUNDARIES, ids=[case[0] for case in PROFILE_BOUNDARIES]
)
def test_profile_limit_holds_at_its_boundary(
    name: str, build: Callable[[int], dict[str, Any]], limit: int, field: str
) -> None:
    assert validate_business_profile_update(build(limit)) is None, name
    rejection = validate_business_profile_update(build(limit + 1))
    assert rejection is not None, name
    assert rejection.code == 100
    assert rejection.details.startswith(field + ":"), rejection.details


@pytest.mark.parametrize("vertical", ["RESTAURANT", "", "UNDEFINED", "NOT_A_BIZ", "OTHER"])
def test_documented_verticals_are_accepted(vertical: str) -> None:
    assert validate_business_profile_update(PROFILE | {"vertical": vertical}) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (PROFILE | {"vertical": "SPACESHIPS"}, "vertical: one of"),
        (PROFILE | {"about": ""}, "about: must not be empty"),
        (PROFILE | {"email": "not-an-email"}, "email: must be a valid email"),
        (PROFILE | {"websites": ["ftp://example.com"]}, "websites[0]: must match"),
        ({"about": "hi"}, "messaging_product: required"),
        (PROFILE | {"messaging_product": "sms"}, "messaging_product: one of"),
    ],
)
def test_broken_profile_is_rejected_naming_the_field(body: dict[str, Any], field: str) -> None:
    rejection = validate_business_profile_update(body)
    assert rejection is not None
    assert rejection.code == 100
    assert rejection.details.startswith(field), rejection.details
