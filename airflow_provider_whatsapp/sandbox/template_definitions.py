"""Meta's rules for a template definition (create and edit bodies) beyond its schema: component kinds and
counts, text lengths, buttons, and placeholders that agree with ``parameter_format`` and the examples.

POSITIONAL templates number their placeholders ``{{1}}``, ``{{2}}``... in sequence and give
``body_text`` / ``header_text`` examples, one value each; NAMED ones use lowercase names (``{{first_name}}``)
and give ``body_text_named_params`` / ``header_text_named_params``, one ``param_name`` per placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .limits import (
    CODE_EXPIRATION_MINUTES_RANGE,
    HTTP_URL,
    INVALID_PARAMETER,
    PLACEHOLDER,
    TEMPLATE_BODY_MAX,
    TEMPLATE_BUTTON_PHONE_MAX,
    TEMPLATE_BUTTON_TEXT_MAX,
    TEMPLATE_BUTTON_TYPE_MAX,
    TEMPLATE_BUTTON_URL_MAX,
    TEMPLATE_BUTTONS_MAX,
    TEMPLATE_COMPONENT_TYPES,
    TEMPLATE_FOOTER_MAX,
    TEMPLATE_HEADER_FORMATS,
    TEMPLATE_HEADER_PARAMETERS_MAX,
    TEMPLATE_HEADER_TEXT_MAX,
    Rejection,
    reject,
)

NAMED_PLACEHOLDER = re.compile(r"^[a-z_][a-z0-9_]*$")  # "lowercase characters and underscores"
PARAMETER_FORMATS = ("POSITIONAL", "NAMED")


def template_definition_problems(body: dict[str, Any], *, create: bool) -> Iterator[Rejection]:
    """Components of a template being created or edited: kinds, lengths, buttons, placeholder examples."""
    category = body.get("category")
    components = body.get("components")
    parameter_format = str(body.get("parameter_format", "POSITIONAL")).upper()
    if parameter_format not in PARAMETER_FORMATS:
        yield reject(INVALID_PARAMETER, f"parameter_format: one of {', '.join(PARAMETER_FORMATS)}")
        return
    if components is None:
        if not create and category is None:
            yield reject(INVALID_PARAMETER, "body: an edit needs category or components")
        return
    seen: set[str] = set()
    for index, component in enumerate(components):
        path = f"components[{index}]"
        kind = str(component["type"]).upper()
        if kind not in TEMPLATE_COMPONENT_TYPES:
            yield reject(INVALID_PARAMETER, f"{path}.type: one of {', '.join(TEMPLATE_COMPONENT_TYPES)}")
            continue
        if kind in seen:
            yield reject(INVALID_PARAMETER, f"{path}.type: at most one {kind} component")
        seen.add(kind)
        if kind == "HEADER":
            yield from _header_problems(component, path, parameter_format)
        elif kind in ("BODY", "FOOTER"):
            yield from _text_component_problems(
                component, path, kind, category == "AUTHENTICATION", parameter_format
            )
        elif kind == "BUTTONS":
            yield from _buttons_problems(component, path)
    if create and "BODY" not in seen:
        yield reject(INVALID_PARAMETER, "components: a BODY component is required")


def _text_problems(
    component: dict[str, Any], path: str, maximum: int, placeholders: int, parameter_format: str, kind: str
) -> Iterator[Rejection]:
    """A component text: a string within ``maximum``, placeholders within limit, in the template's
    parameter format, and an example for each."""
    text = component["text"]
    if not isinstance(text, str) or len(text) > maximum:
        yield reject(INVALID_PARAMETER, f"{path}.text: a string of at most {maximum} characters")
        return
    names = list(dict.fromkeys(PLACEHOLDER.findall(text)))
    if len(names) > placeholders:
        yield reject(INVALID_PARAMETER, f"{path}.text: at most {placeholders} placeholders")
        return
    if not names:
        return
    example = component.get("example")
    if not isinstance(example, dict):
        yield reject(INVALID_PARAMETER, f"{path}.example: required when the text has placeholders")
        return
    prefix = "body_text" if kind == "BODY" else "header_text"
    if parameter_format == "NAMED":
        yield from _named_problems(names, example, path, f"{prefix}_named_params")
    else:
        yield from _positional_problems(names, example, path, prefix)


def _positional_problems(
    names: list[str], example: dict[str, Any], path: str, prefix: str
) -> Iterator[Rejection]:
    """``{{1}}``..``{{n}}`` in sequence, and ``n`` example values when ``example`` gives them."""
    expected = [str(i) for i in range(1, len(names) + 1)]
    if sorted(names, key=lambda n: (not n.isdigit(), n.zfill(4))) != expected:
        yield reject(
            INVALID_PARAMETER,
            f"{path}.text: POSITIONAL placeholders are {{{{1}}}} to {{{{{len(names)}}}}} in sequence "
            "(named ones need parameter_format NAMED)",
        )
        return
    if prefix not in example:
        return
    given = example[prefix]
    values = given[0] if prefix == "body_text" and isinstance(given, list) and given else given
    if not isinstance(values, list) or len(values) != len(names):
        yield reject(INVALID_PARAMETER, f"{path}.example.{prefix}: one value per placeholder ({len(names)})")


def _named_problems(names: list[str], example: dict[str, Any], path: str, field: str) -> Iterator[Rejection]:
    """Lowercase names, and one ``{"param_name", "example"}`` for each of them."""
    for name in names:
        if not NAMED_PLACEHOLDER.match(name):
            yield reject(INVALID_PARAMETER, f"{path}.text: {{{{{name}}}}} is not a lowercase name")
            return
    items = example.get(field)
    given: list[object] = []
    if isinstance(items, list):
        given = [item.get("param_name") for item in items if isinstance(item, dict)]
    if sorted(map(str, given)) != sorted(names):
        yield reject(
            INVALID_PARAMETER, f"{path}.example.{field}: one param_name per placeholder ({', '.join(names)})"
        )


def _header_problems(component: dict[str, Any], path: str, parameter_format: str) -> Iterator[Rejection]:
    """A header has a known format; a text header has a short text with at most one placeholder."""
    header_format = str(component.get("format", "")).upper()
    if header_format not in TEMPLATE_HEADER_FORMATS:
        yield reject(INVALID_PARAMETER, f"{path}.format: one of {', '.join(TEMPLATE_HEADER_FORMATS)}")
    elif header_format == "TEXT":
        if "text" not in component:
            yield reject(INVALID_PARAMETER, f"{path}.text: required for a TEXT header")
        else:
            yield from _text_problems(
                component,
                path,
                TEMPLATE_HEADER_TEXT_MAX,
                TEMPLATE_HEADER_PARAMETERS_MAX,
                parameter_format,
                "HEADER",
            )


def _text_component_problems(
    component: dict[str, Any], path: str, kind: str, authentication: bool, parameter_format: str
) -> Iterator[Rejection]:
    """BODY and FOOTER texts (optional in authentication templates, whose texts Meta supplies)."""
    if "text" in component:
        maximum, placeholders = (
            (TEMPLATE_BODY_MAX, TEMPLATE_BODY_MAX) if kind == "BODY" else (TEMPLATE_FOOTER_MAX, 0)
        )
        yield from _text_problems(component, path, maximum, placeholders, parameter_format, kind)
    elif not authentication:
        yield reject(INVALID_PARAMETER, f"{path}.text: required")
    minutes = component.get("code_expiration_minutes")
    low, high = CODE_EXPIRATION_MINUTES_RANGE
    if minutes is not None and not (isinstance(minutes, int) and low <= minutes <= high):
        yield reject(INVALID_PARAMETER, f"{path}.code_expiration_minutes: an integer from {low} to {high}")


def _buttons_problems(component: dict[str, Any], path: str) -> Iterator[Rejection]:
    """1 to 10 buttons, per-type counts, label, URL and phone number lengths."""
    buttons = component.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= TEMPLATE_BUTTONS_MAX:
        yield reject(INVALID_PARAMETER, f"{path}.buttons: 1 to {TEMPLATE_BUTTONS_MAX} buttons")
        return
    kinds = [str(button.get("type", "")).upper() for button in buttons]
    for kind, maximum in TEMPLATE_BUTTON_TYPE_MAX.items():
        if kinds.count(kind) > maximum:
            yield reject(INVALID_PARAMETER, f"{path}.buttons: at most {maximum} {kind} buttons")
    for index, button in enumerate(buttons):
        where = f"{path}.buttons[{index}]"
        text, url, phone = button.get("text"), button.get("url"), button.get("phone_number")
        if text is not None and not (isinstance(text, str) and 1 <= len(text) <= TEMPLATE_BUTTON_TEXT_MAX):
            yield reject(INVALID_PARAMETER, f"{where}.text: 1 to {TEMPLATE_BUTTON_TEXT_MAX} characters")
        if kinds[index] == "URL" and not (
            isinstance(url, str) and len(url) <= TEMPLATE_BUTTON_URL_MAX and re.match(HTTP_URL, url)
        ):
            yield reject(
                INVALID_PARAMETER,
                f"{where}.url: an http(s) URL of at most {TEMPLATE_BUTTON_URL_MAX} characters",
            )
        if kinds[index] == "PHONE_NUMBER" and not (
            isinstance(phone, str) and 1 <= len(phone) <= TEMPLATE_BUTTON_PHONE_MAX
        ):
            yield reject(
                INVALID_PARAMETER, f"{where}.phone_number: 1 to {TEMPLATE_BUTTON_PHONE_MAX} characters"
            )
