"""Shared building blocks of the models: base classes, constrained string types, and the one place
where pydantic's errors become a :class:`WhatsAppValidationError` in the API's dotted field paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class ApiModel(BaseModel):
    """A request object of the Cloud API: exact field names, unknown fields refused, immutable.

    Constructing or validating one with bad values raises :class:`WhatsAppValidationError` (not
    pydantic's error), so every caller sees the same kind of error whichever way the input arrived.
    Pydantic runs this ``__init__`` for nested objects too; their errors arrive here already turned
    into field and rule, and are prefixed with where the nested object sits.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise to_validation_error(exc) from None

    def to_api(self) -> dict[str, Any]:
        """The object as the Cloud API's JSON (``None`` fields left out)."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class ResponseModel(BaseModel):
    """An answer of the API: known fields typed, unknown ones kept (Meta adds fields over time)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @classmethod
    def from_response(cls: type[M], body: Any) -> M:
        """Read an answer; a shape that does not fit raises :class:`WhatsAppValidationError` naming the
        fields, never quoting their values (they may be phone numbers)."""
        return read_answer(cls, body)


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


#: A non-empty string, where Meta documents no length limit.
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
#: Checks to combine with length bounds: ``Annotated[str, chars(n), HTTP_URL_CHECK]`` (bounds first).
HTTP_URL_CHECK = AfterValidator(rule_check("must be an http(s) URL", _is_http_url))
EMAIL_CHECK = AfterValidator(
    rule_check("must be an e-mail address", lambda v: bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v)))
)
#: An http(s) URL with a host, kept exactly as given (pydantic's URL types would rewrite it).
HttpUrl = Annotated[str, HTTP_URL_CHECK]
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


def _where_nested(loc: Sequence[int | str]) -> str:
    """Where a nested model sits, from pydantic's location of its error: the field (and list index),
    without the tag pydantic appends when the field is a union told apart by ``type``
    (``("interactive", "button")`` -> ``interactive``; ``("components", 0, "BODY")`` -> ``components.0``).

    No field here maps string keys to models, so a string after the field name is always that tag.
    """
    parts = list(loc)
    if len(parts) > 1 and isinstance(parts[-1], str):
        parts.pop()
    return ".".join(str(part) for part in parts)


def _problems(exc: ValidationError) -> Iterator[tuple[str, str]]:
    """Each error of ``exc`` as ``(dotted path, rule)``. Nested models validate in their own
    ``ApiModel.__init__``, so their errors arrive already as field and rule: they are prefixed."""
    for error in exc.errors():
        nested = (error.get("ctx") or {}).get("error")
        if error["type"] == "value_error" and isinstance(nested, WhatsAppValidationError):
            where = _where_nested(error["loc"])
            for field, rule in nested.errors:
                yield ".".join(part for part in (where, field) if part), rule
            continue
        path = ".".join(str(part) for part in error["loc"])
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):  # every union here is on "type"
            path = ".".join(part for part in (path, "type") if part)
        yield path, _rule(error)


def to_validation_error(exc: ValidationError, prefix: str = "") -> WhatsAppValidationError:
    """Every error of ``exc`` as ``(dotted field path, plain rule)``, without the values (they may be
    phone numbers); ``prefix`` is prepended to paths."""
    problems: list[tuple[str, str]] = []
    for path, rule in _problems(exc):
        full = ".".join(part for part in (prefix, path) if part)
        if (full, rule) not in problems:
            problems.append((full, rule))
    return WhatsAppValidationError(problems)


def validate_model(model: type[M], value: M | Mapping[str, Any], prefix: str = "") -> M:
    """``value`` as a ``model`` instance, validating a mapping; raises :class:`WhatsAppValidationError`."""
    if isinstance(value, model):
        return value
    if not isinstance(value, Mapping):
        raise WhatsAppValidationError([(prefix, f"must be a {model.__name__} or an object")])
    try:
        return model.model_validate(dict(value))
    except WhatsAppValidationError as error:
        if not prefix:
            raise
        prefixed = [(".".join(p for p in (prefix, field) if p), rule) for field, rule in error.errors]
        raise WhatsAppValidationError(prefixed) from None
    except ValidationError as exc:  # a model that is not an ApiModel (an answer's)
        raise to_validation_error(exc, prefix) from None


def read_answer(model: type[M], body: Any) -> M:
    """An answer of the API read as ``model``; a shape that does not fit raises
    :class:`WhatsAppValidationError` naming the fields, never quoting their values."""
    if not isinstance(body, Mapping):
        raise WhatsAppValidationError([("", "the answer is not a JSON object")])
    return validate_model(model, body)
