"""Template messages (sending an approved template with its parameters) and a builder for the common case.

Sources: Meta, "Template messages" / "Sending template messages" (Cloud API), ``TemplateObject`` and
``TemplateComponent`` in Meta's OpenAPI file, with the errata the live API shows (``index`` an integer or a
string, ``sub_type`` in any case, ``language.policy`` optional).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, PlainValidator

from airflow_provider_whatsapp.models.common import (
    ApiModel,
    NonEmpty,
    broken,
    chars,
    rule_check,
    validate_model,
)
from airflow_provider_whatsapp.models.objects import Location, MediaObject, NamedMedia

#: Template names: "Maximum 512 characters", lowercase letters, digits and underscores only
#: (Meta, Message Templates API reference, ``name``).
TEMPLATE_NAME_MAX = 512
TEMPLATE_NAME_RULE = "only lowercase letters, digits and underscores"
#: ``TextParameter.text`` maxLength in Meta's OpenAPI file.
TEXT_PARAMETER_MAX = 32768
#: Button components: "index ... Position index of the button (0-9)" (OpenAPI ``TemplateComponent``).
BUTTON_INDEX_MAX = 9
#: Copy-code buttons: "coupon_code ... Maximum 15 characters" (Meta, copy code button template guide).
COUPON_CODE_MAX = 15
#: ISO 4217 currency codes are three letters.
CURRENCY_CODE_LENGTH = 3

TemplateName = Annotated[
    str,
    chars(TEMPLATE_NAME_MAX),
    AfterValidator(rule_check(TEMPLATE_NAME_RULE, lambda v: bool(re.fullmatch(r"[a-z0-9_]+", v)))),
]


class Language(ApiModel):
    """The template's language: ``{"code": "en_US"}``; ``policy`` may only be ``deterministic``."""

    code: NonEmpty
    policy: Literal["deterministic"] | None = None


class _Parameter(ApiModel):
    """Fields every body/header parameter may carry: a name for templates with named parameters."""

    parameter_name: NonEmpty | None = None


class TextParameter(_Parameter):
    """``{"type": "text", "text": "John"}``."""

    type: Literal["text"] = "text"
    text: Annotated[str, chars(TEXT_PARAMETER_MAX)]


class Currency(ApiModel):
    """An amount: ``amount_1000`` is the amount times 1000; ``fallback_value`` is shown when unlocalised."""

    fallback_value: Annotated[str, chars(TEXT_PARAMETER_MAX)]
    code: Annotated[str, chars(CURRENCY_CODE_LENGTH, CURRENCY_CODE_LENGTH)]
    amount_1000: int


class CurrencyParameter(_Parameter):
    """``{"type": "currency", "currency": {...}}``."""

    type: Literal["currency"] = "currency"
    currency: Currency


class DateTime(ApiModel):
    """A date; the Cloud API always shows ``fallback_value``, the other fields are the older form."""

    fallback_value: Annotated[str, chars(TEXT_PARAMETER_MAX)]
    calendar: str | None = None
    year: int | None = None
    month: int | None = None
    day_of_month: int | None = None
    day_of_week: int | None = None
    hour: int | None = None
    minute: int | None = None


class DateTimeParameter(_Parameter):
    """``{"type": "date_time", "date_time": {"fallback_value": ...}}``."""

    type: Literal["date_time"] = "date_time"
    date_time: DateTime


class ImageParameter(_Parameter):
    """A header image (no caption in templates)."""

    type: Literal["image"] = "image"
    image: MediaObject


class VideoParameter(_Parameter):
    """A header video (no caption in templates)."""

    type: Literal["video"] = "video"
    video: MediaObject


class DocumentParameter(_Parameter):
    """A header document with an optional file name."""

    type: Literal["document"] = "document"
    document: NamedMedia


class LocationParameter(_Parameter):
    """A location header."""

    type: Literal["location"] = "location"
    location: Location


HeaderParameter = Annotated[
    TextParameter | ImageParameter | VideoParameter | DocumentParameter | LocationParameter,
    Field(discriminator="type"),
]
BodyParameter = Annotated[TextParameter | CurrencyParameter | DateTimeParameter, Field(discriminator="type")]


class PayloadParameter(ApiModel):
    """A quick-reply button's payload, sent back in the webhook when tapped."""

    type: Literal["payload"] = "payload"
    payload: Annotated[str, chars(TEXT_PARAMETER_MAX)]


class ButtonTextParameter(ApiModel):
    """A URL button's suffix, appended to the URL defined in the template."""

    type: Literal["text"] = "text"
    text: Annotated[str, chars(TEXT_PARAMETER_MAX)]


class CouponCodeParameter(ApiModel):
    """A copy-code button's code."""

    type: Literal["coupon_code"] = "coupon_code"
    coupon_code: Annotated[str, chars(COUPON_CODE_MAX)]


class ActionParameter(ApiModel):
    """A flow or catalog button's action object (``flow_token``, ``flow_action_data``, ...)."""

    type: Literal["action"] = "action"
    action: dict[str, Any]


ButtonParameter = Annotated[
    PayloadParameter | ButtonTextParameter | CouponCodeParameter | ActionParameter,
    Field(discriminator="type"),
]


def _button_index(value: Any) -> int | str:
    """0..9 as an integer or a one-digit string, kept in the form given (the API takes both)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise broken(f"must be 0 to {BUTTON_INDEX_MAX}")
    if str(value) not in {str(i) for i in range(BUTTON_INDEX_MAX + 1)}:
        raise broken(f"must be 0 to {BUTTON_INDEX_MAX}")
    return value


class HeaderComponent(ApiModel):
    """Parameters of the template's header (one text or one media/location parameter)."""

    type: Literal["header"] = "header"
    parameters: Annotated[list[HeaderParameter], Field(min_length=1)]


class BodyComponent(ApiModel):
    """Parameters of the template's body, in the order of its ``{{n}}`` variables."""

    type: Literal["body"] = "body"
    parameters: list[BodyParameter] | None = None


class ButtonComponent(ApiModel):
    """Parameters of one button of the template, chosen by ``index``; ``sub_type`` in any case."""

    type: Literal["button"] = "button"
    sub_type: Annotated[
        Literal["quick_reply", "url", "copy_code", "flow", "catalog"],
        BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v),
    ]
    index: Annotated[int | str, PlainValidator(_button_index)]
    parameters: Annotated[list[ButtonParameter], Field(min_length=1)]


TemplateComponent = Annotated[HeaderComponent | BodyComponent | ButtonComponent, Field(discriminator="type")]


class Template(ApiModel):
    """Which approved template to send, in which language, with which parameters."""

    name: TemplateName
    language: Language
    components: list[TemplateComponent] | None = None


class TemplateMessage(ApiModel):
    """``{"type": "template", "template": {...}}``."""

    type: Literal["template"] = "template"
    template: Template


def _parameter(value: Any) -> Any:
    """A string or number becomes a text parameter; a mapping is taken as a parameter object."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {"type": "text", "text": str(value)}
    return value  # left for validation to name the problem


_BUTTON_PARAMETER_KEY = {"quick_reply": "payload", "copy_code": "coupon_code"}


def _button(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A button component from ``{"sub_type", "index", "parameters"}``; plain strings in ``parameters``
    become the parameter that sub-type takes (payload, coupon code, or URL suffix text)."""
    component = {"type": "button", **spec}
    kind = str(component.get("sub_type", "")).lower()
    key = _BUTTON_PARAMETER_KEY.get(kind, "text")
    parameters = component.get("parameters")
    if isinstance(parameters, Sequence) and not isinstance(parameters, str):
        component["parameters"] = [
            {"type": key, key: value} if isinstance(value, str) else value for value in parameters
        ]
    return component


def _named(name: str, value: Any) -> Any:
    """A NAMED template's parameter: ``value`` as :func:`_parameter` makes it, carrying its name."""
    parameter = _parameter(value)
    return {**parameter, "parameter_name": name} if isinstance(parameter, dict) else parameter


def build_template_message(
    name: str,
    language: str = "en_US",
    *,
    body: Sequence[Any] | Mapping[str, Any] | None = None,
    header: Sequence[Any] | Mapping[str, Any] | str | None = None,
    buttons: Sequence[Mapping[str, Any]] | Mapping[int, str] | None = None,
) -> TemplateMessage:
    """A :class:`TemplateMessage` for the common case, validated.

    - ``body``: the body's parameters in order; strings (and numbers) become text parameters, mappings
      are parameter objects (``{"type": "currency", "currency": {...}}``). A mapping
      ``{"first_name": "Alex", ...}`` gives a NAMED template's parameters by name.
    - ``header``: a list of parameters like ``body``, or one parameter object
      (``{"type": "image", "image": {"link": "https://..."}}``), or one string.
    - ``buttons``: button components ``{"sub_type": "url", "index": 0, "parameters": ["suffix"]}``, where a
      string parameter becomes a payload (quick_reply), a coupon code (copy_code) or text (url); or a
      mapping ``{index: url_suffix}`` as a shortcut for URL buttons.
    """
    components: list[dict[str, Any]] = []
    if header is not None:
        items = [header] if isinstance(header, (str, Mapping)) else list(header)
        components.append({"type": "header", "parameters": [_parameter(item) for item in items]})
    if isinstance(body, Mapping):
        named = [_named(str(key), value) for key, value in body.items()]
        components.append({"type": "body", "parameters": named})
    elif body is not None:
        components.append({"type": "body", "parameters": [_parameter(item) for item in body]})
    if isinstance(buttons, Mapping):
        buttons = [{"sub_type": "url", "index": i, "parameters": [text]} for i, text in buttons.items()]
    components.extend(_button(spec) if isinstance(spec, Mapping) else spec for spec in buttons or ())
    template = {"name": name, "language": {"code": language}, "components": components or None}
    return validate_model(TemplateMessage, {"template": template})
