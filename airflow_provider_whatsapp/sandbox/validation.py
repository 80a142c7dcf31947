"""Whether a request body is one the WhatsApp Cloud API would accept, and if not, with which Graph error.

Validation uses Meta's own OpenAPI schema (the subset shipped in ``schema/``), prepared as the reference
README says: ``allOf`` branches are merged, the ``Message`` ``oneOf`` is dispatched on ``type`` (and the
interactive ``action`` on ``interactive.type``) for precise errors, the documented errata are relaxed, and
the limits in ``limits.py`` are layered on. Pure functions; validators are compiled once per process.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from .limits import (
    EXTRA_ACTIONS,
    INVALID_PARAMETER,
    PARAMETER_VALUE_INVALID,
    REQUIRED_PARAMETER_MISSING,
    UNSUPPORTED_MESSAGE_TYPE,
    Rejection,
    message_problems,
    reject,
    schema_limits,
    template_placeholder_count,
)
from .template_definitions import template_definition_problems

__all__ = [
    "Rejection",
    "template_placeholder_count",
    "validate_business_profile_update",
    "validate_message",
    "validate_message_schema",
    "validate_template_definition",
    "validate_template_edit",
]

SCHEMA_PATH = Path(__file__).with_name("schema") / "whatsapp-cloud-api.json"
_REF_PREFIX = "#/components/schemas/"
# interactive.type -> what marks its branch of ActionObject's oneOf: a required key or the action name
_ACTION_MARKERS = {
    "list": "button",
    "button": "buttons",
    "product": "catalog_id",
    "product_list": "catalog_id",
}
# Erratum: button components' sub_type in any case; the values Meta documents (its examples use "flow")
_BUTTON_SUB_TYPES = r"(?i)^(quick_reply|url|catalog|flow|copy_code|mpm|voice_call)$"
_BODIES = ("template_create", "template_edit", "business_profile_update")
Validators = dict[str, Draft202012Validator]


@functools.cache
def _document() -> dict[str, Any]:
    """The shipped schema document, read once."""
    document: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return document


def _merge(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One schema from ``allOf`` parts: properties and required united, additionalProperties strictest."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "properties":
                properties = merged.setdefault("properties", {})
                for name, schema in value.items():
                    properties[name] = {**properties.get(name, {}), **schema}
            elif key == "required":
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            elif key != "additionalProperties" or value is False or key not in merged:
                merged[key] = value
    return merged


def _resolve(node: Any, schemas: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """A fresh copy of ``node`` with every ``$ref`` inlined and every ``allOf`` merged."""
    if isinstance(node, list):
        return [_resolve(item, schemas, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].removeprefix(_REF_PREFIX)
        if name in seen:
            raise ValueError(f"recursive schema {name}")
        return _resolve(schemas[name], schemas, (*seen, name))
    resolved = {key: _resolve(value, schemas, seen) for key, value in node.items() if key != "discriminator"}
    if "allOf" in resolved:
        resolved = _merge([*resolved.pop("allOf"), resolved])
    return resolved


def _relax_errata(schemas: dict[str, Any]) -> None:
    """The README's errata, where the live API and Meta's own examples are looser than the schema."""
    base = schemas["BaseMessageProperties"]
    base["required"] = [key for key in base["required"] if key not in ("recipient_type", "type")]
    schemas["LanguageObject"]["required"] = ["code"]  # policy optional: "deterministic" is the only value
    location = schemas["LocationMessage"]["allOf"][1]["properties"]["location"]["properties"]
    for key in ("latitude", "longitude"):  # numbers or numeric strings; limits.py checks value and range
        location[key] = {"type": ["number", "string"]}
    schemas["PhoneObject"]["properties"]["type"] = {"type": "string"}  # any label: CELL, MAIN, MOBILE, ...
    component = schemas["TemplateComponent"]["properties"]
    component["index"] = {"type": ["integer", "string"], "pattern": r"^[0-9]+$"}
    component["sub_type"] = {"type": "string", "pattern": _BUTTON_SUB_TYPES}


def _read_receipt(errata: bool) -> dict[str, Any]:
    """Mark-as-read body, which the schema does not describe; with errata it may carry a typing indicator."""
    properties: dict[str, Any] = {
        "messaging_product": {"type": "string", "enum": ["whatsapp"]},
        "status": {"enum": ["read"]},
        "message_id": {"type": "string", "minLength": 1},
    }
    if errata:
        properties["typing_indicator"] = {
            "type": "object",
            "additionalProperties": False,
            "required": ["type"],
            "properties": {"type": {"enum": ["text"]}},
        }
    required = ["messaging_product", "status", "message_id"]
    return {"type": "object", "additionalProperties": False, "required": required, "properties": properties}


def _action_branch(branches: list[dict[str, Any]], interactive_type: str) -> dict[str, Any]:
    """The ActionObject ``oneOf`` branch (or the sandbox's own) for one interactive type."""
    if interactive_type in EXTRA_ACTIONS:
        return copy.deepcopy(EXTRA_ACTIONS[interactive_type])
    marker = _ACTION_MARKERS.get(interactive_type, interactive_type)
    for branch in branches:
        if marker in branch.get("required", ()) or marker in branch["properties"].get("name", {}).get(
            "enum", ()
        ):
            return branch
    raise ValueError(f"no action schema for interactive type {interactive_type}")


def _apply_limits(schema: dict[str, Any], limits: dict[str, dict[str, Any]]) -> None:
    """Layer the keywords of ``limits.schema_limits`` onto a resolved schema, in place."""
    for path, keywords in limits.items():
        node = schema
        for step in path.split(".") if path else ():
            node = node.setdefault("properties", {}).setdefault(step.removesuffix("[]"), {})
            if step.endswith("[]"):
                node = node.setdefault("items", {})
        for key, value in keywords.items():
            if key == "required":
                node["required"] = list(dict.fromkeys([*node.get("required", []), *value]))
            elif key == "properties":
                for name, sub in value.items():
                    node.setdefault("properties", {}).setdefault(name, {}).update(copy.deepcopy(sub))
            else:
                node[key] = copy.deepcopy(value)


@functools.cache
def _validators(errata: bool, limits: bool) -> Validators:
    """Every validator by key (message types, "interactive:T", "read", the three other bodies)."""
    document = _document()
    schemas = copy.deepcopy(document["components"]["schemas"])
    if errata:
        _relax_errata(schemas)
    interactive_types = schemas["InteractiveObject"]["properties"]["type"]["enum"]
    interactive_types.extend(EXTRA_ACTIONS)  # schema gap: cta_url and location_request_message
    mapping: dict[str, str] = schemas["Message"]["discriminator"]["mapping"]
    roots = {key: _resolve({"$ref": ref}, schemas) for key, ref in mapping.items()}
    for interactive_type in interactive_types:
        root = _resolve({"$ref": mapping["interactive"]}, schemas)
        properties = root["properties"]["interactive"]["properties"]
        action = {"type": "object", **_action_branch(properties["action"]["oneOf"], interactive_type)}
        properties["action"] = action
        roots[f"interactive:{interactive_type}"] = root
    roots["read"] = _read_receipt(errata)
    for body in _BODIES:
        roots[body] = _resolve({"$ref": document["x-request-bodies"][body]}, schemas)
    checker = FormatChecker()
    for key, schema in roots.items():
        if limits:
            _apply_limits(schema, schema_limits(key))
        Draft202012Validator.check_schema(schema)
    return {key: Draft202012Validator(schema, format_checker=checker) for key, schema in roots.items()}


def _path(parts: Iterable[str | int], leaf: str | None = None) -> str:
    """A JSON path as the details name it: ``interactive.action.buttons[0].reply.title``."""
    text = ""
    for part in [*parts, *([leaf] if leaf is not None else [])]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text or "body"


def _rank(error: ValidationError) -> tuple[int, int]:
    """Shallowest first, then structure (type, required, unknown keys) before values."""
    order = {"type": 0, "required": 1, "additionalProperties": 2}
    return len(error.absolute_path), order.get(str(error.validator), 3)


def _alternatives(error: ValidationError) -> list[Sequence[str]]:
    """The required keys of each ``oneOf`` branch, when every branch has some."""
    branches = error.validator_value if error.validator in ("oneOf", "anyOf") else []
    keys = [branch.get("required", ()) for branch in branches]
    return keys if keys and all(keys) else []


def _innermost(error: ValidationError) -> ValidationError:
    """Descend into a ``oneOf``: into the branch the instance's keys choose, if exactly one does."""
    if not error.context:
        return error
    alternatives = _alternatives(error)
    if alternatives and isinstance(error.instance, dict):
        chosen = [i for i, keys in enumerate(alternatives) if all(key in error.instance for key in keys)]
        inner = [e for e in error.context if len(chosen) == 1 and e.relative_schema_path[0] == chosen[0]]
        return _innermost(min(inner, key=_rank)) if inner else error
    return _innermost(min(error.context, key=_rank))


def _describe(error: ValidationError) -> tuple[int, str]:
    """Graph code and details (field and rule) for one schema error."""
    where, rule, value, instance = error.absolute_path, error.validator, error.validator_value, error.instance
    if rule == "required":
        missing = next(key for key in value if key not in instance)
        code = (
            INVALID_PARAMETER if not where and missing == "messaging_product" else REQUIRED_PARAMETER_MISSING
        )
        return code, f"{_path(where, missing)}: required"
    if rule == "additionalProperties":
        extra = next(key for key in instance if key not in error.schema.get("properties", {}))
        return INVALID_PARAMETER, f"{_path(where, extra)}: not a known parameter"
    if rule == "type":
        return (
            INVALID_PARAMETER,
            f"{_path(where)}: must be {' or '.join([value] if isinstance(value, str) else value)}",
        )
    if rule in ("oneOf", "anyOf"):
        options = " or ".join("+".join(keys) for keys in _alternatives(error)) or "the allowed shapes"
        if isinstance(instance, dict) and not any(
            key in instance for keys in _alternatives(error) for key in keys
        ):
            return REQUIRED_PARAMETER_MISSING, f"{_path(where)}: one of {options} is required"
        return PARAMETER_VALUE_INVALID, f"{_path(where)}: exactly one of {options}"
    rules = {
        "maxLength": f"at most {value} characters",
        "minLength": "must not be empty" if value == 1 else f"at least {value} characters",
        "maxItems": f"at most {value} items",
        "minItems": f"at least {value} items",
        "enum": f"one of {', '.join(json.dumps(v) for v in value) if isinstance(value, list) else value}",
        "pattern": f"must match {value}",
        "format": f"must be a valid {value}",
        "minimum": f"at least {value}",
        "maximum": f"at most {value}",
    }
    return PARAMETER_VALUE_INVALID, f"{_path(where)}: {rules.get(str(rule), error.message)}"


def _schema_rejection(
    key: str, body: Any, *, errata: bool = True, limits: bool = True, graph_codes: bool = True
) -> Rejection | None:
    """The first schema error of ``body`` under validator ``key``; ``graph_codes=False`` answers 100 only."""
    if not isinstance(body, dict):
        return reject(INVALID_PARAMETER, "body: must be a JSON object")
    errors = list(_validators(errata, limits)[key].iter_errors(body))
    if not errors:
        return None
    code, details = _describe(_innermost(min(errors, key=_rank)))
    return reject(code if graph_codes else INVALID_PARAMETER, details)


def _message_rejection(body: Any, *, errata: bool, limits: bool) -> Rejection | None:
    """Schema check of a /messages body, dispatched on ``type`` and then ``interactive.type``."""
    validators = _validators(errata, limits)
    if not isinstance(body, dict) or "status" in body:
        return _schema_rejection("read", body, errata=errata, limits=limits)
    message_type = body.get("type", "text")
    if not isinstance(message_type, str) or message_type not in validators:
        return reject(
            UNSUPPORTED_MESSAGE_TYPE, f"type: {json.dumps(message_type)} is not a supported message type"
        )
    key = message_type
    interactive = body.get("interactive")
    if message_type == "interactive" and isinstance(interactive, dict) and "type" in interactive:
        key = f"interactive:{interactive['type']}"
        if key not in validators:
            types = sorted(k.partition(":")[2] for k in validators if k.startswith("interactive:"))
            return reject(PARAMETER_VALUE_INVALID, f"interactive.type: one of {', '.join(types)}")
    return _schema_rejection(key, body, errata=errata, limits=limits)


def validate_message_schema(body: dict[str, Any], *, errata: bool = True) -> Rejection | None:
    """Meta's schema alone (its gaps filled, no sandbox limits) for a /messages body.

    ``errata=False`` keeps the schema as published: the tests use it to prove the errata matter.
    """
    return _message_rejection(body, errata=errata, limits=False)


def validate_message(body: dict[str, Any]) -> Rejection | None:
    """A POST /messages body (any message type, or mark-as-read): schema, errata relaxed, then limits."""
    rejection = _message_rejection(body, errata=True, limits=True)
    return rejection or next(message_problems(body), None)


def validate_template_definition(body: dict[str, Any]) -> Rejection | None:
    """A POST /{WABA-ID}/message_templates body (template create)."""
    rejection = _schema_rejection("template_create", body, graph_codes=False)
    return rejection or next(template_definition_problems(body, create=True), None)


def validate_template_edit(body: dict[str, Any], parameter_format: str = "POSITIONAL") -> Rejection | None:
    """A POST /{TEMPLATE_ID} body (template edit), judged in the edited template's ``parameter_format``
    (an edit does not switch it)."""
    rejection = _schema_rejection("template_edit", body, graph_codes=False)
    judged = {**body, "parameter_format": parameter_format}
    return rejection or next(template_definition_problems(judged, create=False), None)


def validate_business_profile_update(body: dict[str, Any]) -> Rejection | None:
    """A POST /{Phone-Number-ID}/whatsapp_business_profile body."""
    return _schema_rejection("business_profile_update", body, graph_codes=False)
