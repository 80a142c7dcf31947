"""Shared building blocks of the models: base classes, constrained string types, and the one place
where pydantic's errors become a :class:`WhatsAppValidationError` in the API's dotted field paths.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.phone import PHONE_RULE, normalize_phone

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class ApiModel(BaseModel):
    """A request object of the Cloud API: exact field names, unknown fields refused, immutable.

    Constructing one with bad values raises :class:`WhatsAppValidationError` (not pydantic's error),
    so every caller sees the same kind of error whichever way the input arrived.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise to_validation_error(exc, type(self)) from None

    # Tell pydantic this __init__ only wraps its own: nested objects are then validated as usual
    # (pydantic would otherwise call it for every nested model and see our error as a ValueError).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def to_api(self) -> dict[str, Any]:
        """The object as the Cloud API's JSON (``None`` fields left out)."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class ResponseModel(BaseModel):
    """An answer of the API: known fields typed, unknown ones kept (Meta adds fields over time)."""

    model_config = ConfigDict(extra="allow", frozen=True)


def chars(max_length: int, min_length: int = 1) -> StringConstraints:
    """Length bounds for ``Annotated[str, chars(...)]``: ``min_length``..``max_length`` characters."""
    return StringConstraints(min_length=min_length, max_length=max_length)


def broken(rule: str) -> PydanticCustomError:
    """The error a validator raises when a documented rule is broken; ``rule`` in plain words."""
    return PydanticCustomError("whatsapp_rule", rule)


def rule_check(rule: str, check: Callable[[T], bool]) -> Callable[[T], T]:
    """An after-validator that keeps the value when ``check`` passes and otherwise fails with ``rule``."""

    def validate(value: T) -> T:
        if not check(value):
            raise broken(rule)
        return value

    return validate


def _is_http_url(value: str) -> bool:
    if any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _normalize_phone(value: Any) -> Any:
    try:
        return normalize_phone(value)
    except WhatsAppValidationError:
        raise broken(PHONE_RULE) from None


#: A non-empty string, where Meta documents no length limit.
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
#: Checks to combine with length bounds: ``Annotated[str, chars(n), HTTP_URL_CHECK]`` (bounds first).
HTTP_URL_CHECK = AfterValidator(rule_check("must be an http(s) URL", _is_http_url))
EMAIL_CHECK = AfterValidator(
    rule_check("must be an e-mail address", lambda v: bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v)))
)
#: An http(s) URL with a host, kept exactly as given (pydantic's URL types would rewrite it).
HttpUrl = Annotated[str, HTTP_URL_CHECK]
#: A recipient phone number, normalised by :func:`~airflow_provider_whatsapp.models.phone.normalize_phone`.
PhoneNumber = Annotated[str, BeforeValidator(_normalize_phone)]
#: A calendar date as ``YYYY-MM-DD``, kept as a string.
DateString = Annotated[str, AfterValidator(rule_check("must be a date as YYYY-MM-DD", _is_date))]
#: An e-mail address (a plain shape check: something@domain.tld).
EmailAddress = Annotated[str, EMAIL_CHECK]


def unique(*keys: Callable[[Any], object], what: str) -> Callable[[list[T]], list[T]]:
    """An after-validator for lists: every ``key(item)`` must be unique; the rule names ``what``."""

    def validate(items: list[T]) -> list[T]:
        for key in keys:
            seen = [key(item) for item in items]
            if len(seen) != len(set(seen)):
                raise broken(f"{what} must be unique")
        return items

    return validate


# --- pydantic errors -> WhatsAppValidationError -------------------------------------------------------

_PLAIN_RULES: Mapping[str, str] = {
    "missing": "required",
    "extra_forbidden": "not allowed here",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "union_tag_not_found": "required",
}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _rule(error: ErrorDetails) -> str:
    """One pydantic error in plain words, e.g. ``at most 4096 characters``."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "string_too_long":
        return f"at most {_plural(ctx['max_length'], 'character')}"
    if kind == "string_too_short":
        return "must not be empty" if ctx["min_length"] == 1 else f"at least {ctx['min_length']} characters"
    if kind == "too_long":
        return f"at most {_plural(ctx['max_length'], 'item')}"
    if kind == "too_short":
        return f"at least {_plural(ctx['min_length'], 'item')}"
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        words = {"less_than_equal": "at most", "greater_than_equal": "at least"}
        bound = next(v for k, v in ctx.items() if k in ("le", "ge", "lt", "gt"))
        return f"{words.get(kind, kind.replace('_', ' '))} {bound:g}"
    if kind == "literal_error":
        return f"must be {ctx['expected']}"
    if kind == "union_tag_invalid":
        return f"must be one of {ctx['expected_tags']}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return _PLAIN_RULES.get(kind, error["msg"])


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` layers from a type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _tagged_members(annotation: Any) -> dict[str, type[BaseModel]]:
    """For a union of models told apart by a ``type`` literal: tag -> model; else empty."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return {}
    members: dict[str, type[BaseModel]] = {}
    for member in get_args(annotation):
        is_model = isinstance(member, type) and issubclass(member, BaseModel)
        field = member.model_fields.get("type") if is_model else None
        if field is None or get_origin(field.annotation) is not Literal:
            return {}
        members.update(dict.fromkeys(get_args(field.annotation), member))
    return members


def _child(annotation: Any, key: int | str) -> Any:
    """The type found under ``key`` of a model or list type, or None when unknown."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(key, str):
        field = annotation.model_fields.get(key)
        return field.annotation if field else None
    if get_origin(annotation) in (list, tuple, Sequence) and isinstance(key, int):
        return get_args(annotation)[0]
    return None


def api_path(model: type[BaseModel], loc: Sequence[int | str]) -> str:
    """Pydantic's error location as the API's dotted path, without the union tags pydantic inserts.

    ``("interactive", "button", "action", "buttons", 3)`` -> ``"interactive.action.buttons.3"``.
    """
    parts: list[str] = []
    annotation: Any = model
    for key in loc:
        annotation = _unwrap(annotation)
        members = _tagged_members(annotation)
        if isinstance(key, str) and key in members:
            annotation = members[key]
            continue
        parts.append(str(key))
        annotation = _child(annotation, key)
    return ".".join(parts)


def to_validation_error(
    exc: ValidationError, model: type[BaseModel], prefix: str = ""
) -> WhatsAppValidationError:
    """Every error of ``exc`` as ``(dotted field path, plain rule)``; ``prefix`` is prepended to paths."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors():
        path = ".".join(part for part in (prefix, api_path(model, error["loc"])) if part)
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):  # every union here is on "type"
            path = ".".join(part for part in (path, "type") if part)
        rule = _rule(error)
        if (path, rule) not in problems:
            problems.append((path, rule))
    return WhatsAppValidationError(problems)


def validate_model(model: type[M], value: M | Mapping[str, Any], prefix: str = "") -> M:
    """``value`` as a ``model`` instance, validating a mapping; raises :class:`WhatsAppValidationError`."""
    if isinstance(value, model):
        return value
    if not isinstance(value, Mapping):
        raise WhatsAppValidationError([(prefix, f"must be a {model.__name__} or an object")])
    try:
        return model.model_validate(dict(value))
    except ValidationError as exc:
        raise to_validation_error(exc, model, prefix) from None
