"""A template message as its recipient reads it: the stored template's header, body, footer and buttons
with the send's parameters substituted, positional (``{{1}}``) or named (``{{first_name}}``)."""

from __future__ import annotations

from typing import Any

from ..limits import PLACEHOLDER
from ..records import Template


def parameter_text(parameter: dict[str, Any]) -> str:
    """What a text-like parameter shows: its text, or a currency's / date's fallback value."""
    kind = parameter.get("type")
    if kind == "text":
        return str(parameter.get("text", ""))
    if kind in ("currency", "date_time"):
        return str((parameter.get(kind) or {}).get("fallback_value", ""))
    if kind == "payload":
        return str(parameter.get("payload", ""))
    return str(parameter.get(str(kind), ""))


def substitute(text: str, parameters: list[dict[str, Any]]) -> str:
    """``text`` with ``{{1}}`` replaced by the first parameter (and so on) and ``{{name}}`` by the
    parameter of that ``parameter_name``; a placeholder without a value stays as written."""
    named = {str(p["parameter_name"]): parameter_text(p) for p in parameters if "parameter_name" in p}

    def value(match: Any) -> str:
        name = match.group(1)
        if name in named:
            return named[name]
        if name.isdigit() and 1 <= int(name) <= len(parameters):
            return parameter_text(parameters[int(name) - 1])
        return str(match.group(0))

    return PLACEHOLDER.sub(value, text)


def sent_parameters(send: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The send's parameters by slot: ``header``, ``body``, ``button:<index>``."""
    found: dict[str, list[dict[str, Any]]] = {}
    for component in send.get("components") or []:
        kind = str(component.get("type", "")).lower()
        if kind == "button":
            kind = f"button:{component.get('index', 0)}"
        found.setdefault(kind, []).extend(p for p in component.get("parameters") or [] if isinstance(p, dict))
    return found


def filled_template(template: Template, send: dict[str, Any]) -> dict[str, Any]:
    """``{"header": {"format", "text"?, "media"?}, "body", "footer", "buttons": [{"type", "text", "url"?,
    "index"}]}`` of the template as sent."""
    given = sent_parameters(send)
    filled: dict[str, Any] = {"header": None, "body": "", "footer": "", "buttons": []}
    for component in template.components:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "TEXT")).upper()
            header: dict[str, Any] = {"format": header_format}
            if header_format == "TEXT":
                header["text"] = substitute(str(component.get("text", "")), given.get("header", []))
            else:
                parameters = given.get("header", [])
                header["media"] = parameters[0] if parameters else None
            filled["header"] = header
        elif kind == "BODY":
            filled["body"] = substitute(str(component.get("text", "")), given.get("body", []))
        elif kind == "FOOTER":
            filled["footer"] = str(component.get("text", ""))
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons", [])):
                shown = {"type": str(button.get("type", "")).upper(), "text": str(button.get("text", ""))}
                shown["index"] = str(index)
                if "url" in button:
                    shown["url"] = substitute(str(button["url"]), given.get(f"button:{index}", []))
                if "phone_number" in button:
                    shown["phone_number"] = str(button["phone_number"])
                filled["buttons"].append(shown)
    return filled
