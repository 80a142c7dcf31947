"""Template definitions for ``create_template`` / ``update_template``: a template's category and
components, with the ``example`` values Meta's review needs, dumping to the API's create body.

Limits: Meta, "Template components" (Cloud API, templates): text header "Maximum 60 characters", body
"Maximum 1024 characters", footer "Maximum 60 characters"; "Templates can have a mixture of up to 10 button
components total", at most 2 URL buttons, 1 phone number button and 1 copy code button; button label text
"25 characters maximum"; URL "Maximum 2000 characters"; phone number "Maximum 20 characters"; copy code
example "Maximum 15 characters". Authentication templates' ``code_expiration_minutes``: 1 to 90.
Variables follow the template's ``parameter_format`` and have examples (``template_variables``).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.common import HTTP_URL_CHECK, ApiModel, NonEmpty, broken, chars
from airflow_provider_whatsapp.models.template_variables import (
    placeholders,
    url_variable_problems,
    variable_problems,
)
from airflow_provider_whatsapp.models.templates import (
    COUPON_CODE_MAX,
    TemplateName,
)

HEADER_TEXT_MAX = 60
BODY_TEXT_MAX = 1024
FOOTER_TEXT_MAX = 60
BUTTONS_MAX = 10
BUTTON_TEXT_MAX = 25
BUTTON_URL_MAX = 2000
BUTTON_PHONE_MAX = 20
CODE_EXPIRATION_MAX = 90
#: Per-type button caps within one template.
BUTTON_TYPE_MAX = {"URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1}


def _upper(value: Any) -> Any:
    """Meta's own examples mix ``"body"`` and ``"BODY"``: enum values are taken in any case."""
    return value.upper() if isinstance(value, str) else value


def _upper_type(value: Any) -> Any:
    """Upper-case the ``type`` key of a component or button given as a dict, before the union picks one."""
    if isinstance(value, dict) and isinstance(value.get("type"), str):
        return {**value, "type": value["type"].upper()}
    return value


ButtonLabel = Annotated[str, chars(BUTTON_TEXT_MAX)]


class NamedParameterExample(ApiModel):
    """An example value for a named parameter ``{{param_name}}``."""

    param_name: NonEmpty
    example: str


class HeaderExample(ApiModel):
    """Examples for a header: text variable values, or an uploaded media handle."""

    header_text: list[str] | None = None
    header_text_named_params: list[NamedParameterExample] | None = None
    header_handle: list[str] | None = None


class BodyExample(ApiModel):
    """Examples for the body's variables: ``body_text`` is a list holding one list of values."""

    body_text: list[list[str]] | None = None
    body_text_named_params: list[NamedParameterExample] | None = None


#: Text headers take at most 1 variable; footers none (Meta, "Template components").
HEADER_VARIABLES_MAX = 1


def _check_variables(text: str | None, example: object, limit: int | None = None) -> None:
    """A text with ``{{n}}`` variables needs ``example`` values; some components allow only a few."""
    count = len(placeholders(text))
    if limit is not None and count > limit:
        raise broken(f"at most {limit} variable{'s' if limit != 1 else ''} in text")
    if count and example is None:
        raise broken("example values are required when the text has variables")


class HeaderDefinition(ApiModel):
    """The header: TEXT (with ``text``), or a media/location format without text."""

    type: Literal["HEADER"] = "HEADER"
    format: Annotated[Literal["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"], BeforeValidator(_upper)]
    text: Annotated[str, chars(HEADER_TEXT_MAX)] | None = None
    example: HeaderExample | None = None

    @model_validator(mode="after")
    def _text_iff_text_format(self) -> HeaderDefinition:
        if (self.format == "TEXT") != (self.text is not None):
            raise broken("text is required for a TEXT header and not allowed otherwise")
        _check_variables(self.text, self.example, HEADER_VARIABLES_MAX)
        return self


class BodyDefinition(ApiModel):
    """The body text with ``{{1}}`` or ``{{name}}`` variables (authentication templates have none)."""

    type: Literal["BODY"] = "BODY"
    text: Annotated[str, chars(BODY_TEXT_MAX)] | None = None
    example: BodyExample | None = None
    add_security_recommendation: bool | None = None

    @model_validator(mode="after")
    def _examples(self) -> BodyDefinition:
        _check_variables(self.text, self.example)
        return self


class FooterDefinition(ApiModel):
    """Small text under the body (authentication templates: a code expiry notice instead)."""

    type: Literal["FOOTER"] = "FOOTER"
    text: Annotated[str, chars(FOOTER_TEXT_MAX)] | None = None
    code_expiration_minutes: Annotated[int, Field(ge=1, le=CODE_EXPIRATION_MAX)] | None = None

    @model_validator(mode="after")
    def _no_variables(self) -> FooterDefinition:
        _check_variables(self.text, None, 0)
        return self


class QuickReplyButton(ApiModel):
    """A button that sends its label back as a reply."""

    type: Literal["QUICK_REPLY"] = "QUICK_REPLY"
    text: ButtonLabel


class UrlButton(ApiModel):
    """A button that opens a URL; one ``{{1}}`` at the end takes a suffix at send time."""

    type: Literal["URL"] = "URL"
    text: ButtonLabel
    url: Annotated[str, chars(BUTTON_URL_MAX), HTTP_URL_CHECK]
    example: list[str] | None = None

    @model_validator(mode="after")
    def _url_variable(self) -> UrlButton:
        problems = url_variable_problems(self.url, self.example)
        if problems:
            raise WhatsAppValidationError(problems)
        return self


class PhoneNumberButton(ApiModel):
    """A button that calls a business phone number."""

    type: Literal["PHONE_NUMBER"] = "PHONE_NUMBER"
    text: ButtonLabel
    phone_number: Annotated[str, chars(BUTTON_PHONE_MAX)]


class CopyCodeButton(ApiModel):
    """A button that copies a coupon code (given at send time; ``example`` for review)."""

    type: Literal["COPY_CODE"] = "COPY_CODE"
    example: Annotated[str, chars(COUPON_CODE_MAX)]


class OtpButton(ApiModel):
    """An authentication template's one-time-password button."""

    type: Literal["OTP"] = "OTP"
    otp_type: Annotated[Literal["COPY_CODE", "ONE_TAP", "ZERO_TAP"], BeforeValidator(_upper)]
    text: ButtonLabel | None = None
    autofill_text: ButtonLabel | None = None
    package_name: str | None = None
    signature_hash: str | None = None
    supported_apps: list[dict[str, str]] | None = None
    zero_tap_terms_accepted: bool | None = None


class FlowButton(ApiModel):
    """A button that opens a WhatsApp Flow (by id, name or JSON)."""

    type: Literal["FLOW"] = "FLOW"
    text: ButtonLabel
    flow_id: str | None = None
    flow_name: str | None = None
    flow_json: str | None = None
    flow_action: str | None = None
    navigate_screen: str | None = None


class CatalogButton(ApiModel):
    """A button that opens the catalog (``CATALOG``) or a multi-product message (``MPM``)."""

    type: Literal["CATALOG", "MPM"]
    text: ButtonLabel


ButtonDefinition = Annotated[
    Annotated[
        QuickReplyButton
        | UrlButton
        | PhoneNumberButton
        | CopyCodeButton
        | OtpButton
        | FlowButton
        | CatalogButton,
        Field(discriminator="type"),
    ],
    BeforeValidator(_upper_type),
]


def _check_button_counts(buttons: list[Any]) -> list[Any]:
    """At most 2 URL, 1 phone number and 1 copy code button per template."""
    counts = Counter(button.type for button in buttons)
    for kind, limit in BUTTON_TYPE_MAX.items():
        if counts[kind] > limit:
            raise broken(f"at most {limit} {kind} button{'s' if limit > 1 else ''}")
    return buttons


class ButtonsDefinition(ApiModel):
    """The template's buttons: 1..10 in all."""

    type: Literal["BUTTONS"] = "BUTTONS"
    buttons: Annotated[
        list[ButtonDefinition],
        Field(min_length=1, max_length=BUTTONS_MAX),
        AfterValidator(_check_button_counts),
    ]


ComponentDefinition = Annotated[
    Annotated[
        HeaderDefinition | BodyDefinition | FooterDefinition | ButtonsDefinition,
        Field(discriminator="type"),
    ],
    BeforeValidator(_upper_type),
]


TemplateCategory = Annotated[Literal["AUTHENTICATION", "MARKETING", "UTILITY"], BeforeValidator(_upper)]


class TemplateDefinition(ApiModel):
    """A template to create (``POST /{waba_id}/message_templates``); ``to_api()`` is the request body."""

    name: TemplateName
    language: NonEmpty
    category: TemplateCategory
    components: Annotated[list[ComponentDefinition], Field(min_length=1)]
    parameter_format: Annotated[Literal["POSITIONAL", "NAMED"], BeforeValidator(_upper)] | None = None
    allow_category_change: bool | None = None

    @field_validator("components")
    @classmethod
    def _check_components(cls, components: list[Any], info: ValidationInfo) -> list[Any]:
        """Exactly one body (with text, except in authentication templates); at most one of the others."""
        counts = Counter(component.type for component in components)
        if counts["BODY"] != 1:
            raise broken("exactly one BODY component")
        repeated = sorted(kind for kind, count in counts.items() if count > 1)
        if repeated:
            raise broken(f"at most one {' and one '.join(repeated)} component")
        body = next(component for component in components if component.type == "BODY")
        if body.text is None and info.data.get("category") != "AUTHENTICATION":
            raise broken("the BODY needs text (only AUTHENTICATION templates may leave it out)")
        return components

    @model_validator(mode="after")
    def _variables_follow_the_parameter_format(self) -> TemplateDefinition:
        """POSITIONAL variables numbered 1..n, NAMED ones lowercase, each with its example."""
        parameter_format = self.parameter_format or "POSITIONAL"
        problems = [
            (f"components.{index}.{field}", rule)
            for index, component in enumerate(self.components)
            if isinstance(component, (HeaderDefinition, BodyDefinition))
            for field, rule in variable_problems(
                placeholders(component.text), component.example, parameter_format, component.type
            )
        ]
        if problems:
            raise WhatsAppValidationError(problems)
        return self


class TemplateEdit(ApiModel):
    """An edit of an existing template (``POST /{template_id}``): new components and/or category."""

    components: Annotated[list[ComponentDefinition], Field(min_length=1)] | None = None
    category: TemplateCategory | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> TemplateEdit:
        if self.components is None and self.category is None:
            raise broken("give components and/or category to update")
        return self
