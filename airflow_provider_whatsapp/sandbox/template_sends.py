"""Whether a template send fits the stored template: Graph's 132000 and 132012 rules.

Per component slot (``header``, ``body``, ``button:<index>``): the parameter count must match the
template's placeholders (132000); a NAMED template's parameters carry ``parameter_name`` and the names
must be the placeholders' (132000); a header parameter has the header's kind (an IMAGE header takes an
``image`` parameter) and a button component names its button's ``sub_type`` with the parameter type that
button takes (132012 "Parameter format does not match format in the created template").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import GraphError
from .limits import PLACEHOLDER
from .records import Template

COUNT_MESSAGE = "(#132000) Number of parameters does not match the expected number of params"
FORMAT_MESSAGE = "(#132012) Parameter format does not match format in the created template"
_MEDIA_HEADER_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION")
# template button type -> (sub_types a send may name, parameter type it takes)
_BUTTON_SENDS = {
    "URL": (("url",), "text"),
    "OTP": (("url", "copy_code"), "text"),
    "COPY_CODE": (("copy_code",), "coupon_code"),
    "QUICK_REPLY": (("quick_reply",), "payload"),
    "FLOW": (("flow",), "action"),
}


@dataclass(frozen=True)
class Slot:
    """What one component of a send must carry: how many parameters (any of ``counts``), their names
    (NAMED templates), their ``type`` and, for buttons, the allowed ``sub_type``s."""

    counts: frozenset[int]
    names: tuple[str, ...] = ()
    parameter_type: str | None = None
    sub_types: tuple[str, ...] = ()


def placeholders(text: str) -> tuple[str, ...]:
    """The distinct placeholders of a text, in order of first use."""
    return tuple(dict.fromkeys(PLACEHOLDER.findall(text)))


def text_slot(text: str, named: bool) -> Slot:
    """A text component: one parameter per placeholder, named like them in a NAMED template."""
    found = placeholders(text)
    return Slot(frozenset({len(found)}), found if named else (), "text")


def button_slot(button: dict[str, Any]) -> Slot:
    """URL buttons take one parameter per placeholder, copy code / OTP one, quick replies 0 or 1."""
    button_type = str(button.get("type", "")).upper()
    sub_types, parameter_type = _BUTTON_SENDS.get(button_type, ((), None))
    if button_type == "URL":
        counts = frozenset({len(placeholders(str(button.get("url", ""))))})
    elif button_type in ("COPY_CODE", "OTP"):
        counts = frozenset({1})
    elif button_type == "QUICK_REPLY":
        counts = frozenset({0, 1})
    else:
        counts = frozenset({0})
    return Slot(counts, (), parameter_type, sub_types)


def slots(template: Template) -> dict[str, Slot]:
    """The slots a send of ``template`` fills: ``header``, ``body`` and ``button:<index>``."""
    named = template.parameter_format == "NAMED"
    found: dict[str, Slot] = {"header": Slot(frozenset({0})), "body": Slot(frozenset({0}))}
    for component in template.components:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "TEXT")).upper()
            if header_format == "TEXT":
                found["header"] = text_slot(str(component.get("text", "")), named)
            elif header_format in _MEDIA_HEADER_FORMATS:
                found["header"] = Slot(frozenset({1}), (), header_format.lower())
        elif kind == "BODY":
            text = str(component.get("text", ""))
            if template.category == "AUTHENTICATION" and not text:
                found["body"] = Slot(frozenset({1}), (), "text")
            else:
                found["body"] = text_slot(text, named)
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons", [])):
                found[f"button:{index}"] = button_slot(button)
    return found


def given_components(send: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The send's components by slot (a slot named twice gets all their parameters)."""
    given: dict[str, list[dict[str, Any]]] = {}
    for component in send.get("components") or []:
        kind = str(component.get("type", "")).lower()
        if kind == "button":
            kind = f"button:{component.get('index', 0)}"
        parameters = [p if isinstance(p, dict) else {} for p in component.get("parameters") or []]
        given.setdefault(kind, []).extend(parameters)
    return given


def check_template_send(template: Template, send: dict[str, Any]) -> None:
    """Raise Graph's 132000 / 132012 when ``send`` does not fit ``template``."""
    expected = slots(template)
    given = given_components(send)
    named = template.parameter_format == "NAMED"
    for name in [
        *expected,
        *(n for n in given if n not in expected and (n[:7] == "button:" or n in ("header", "body"))),
    ]:
        slot = expected.get(name, Slot(frozenset()))
        parameters = given.get(name, [])
        if len(parameters) not in slot.counts:
            allowed = "/".join(str(n) for n in sorted(slot.counts or {0}))
            raise GraphError(
                132000,
                COUNT_MESSAGE,
                f"{name}: number of localizable_params ({len(parameters)}) does not match the expected "
                f"number of params ({allowed})",
            )
        check_names(name, slot, parameters, named)
        check_kinds(name, slot, parameters)
    for component in send.get("components") or []:
        if str(component.get("type", "")).lower() == "button":
            slot = expected[f"button:{component.get('index', 0)}"]
            sub_type = str(component.get("sub_type", "")).lower()
            if slot.sub_types and sub_type not in slot.sub_types:
                raise GraphError(
                    132012,
                    FORMAT_MESSAGE,
                    f"button:{component.get('index', 0)}: sub_type {sub_type} does not match the "
                    f"template's button ({' or '.join(slot.sub_types)})",
                )


def check_names(name: str, slot: Slot, parameters: list[dict[str, Any]], named: bool) -> None:
    """NAMED templates: every text parameter names one placeholder, each once; POSITIONAL: no names."""
    given = [p.get("parameter_name") for p in parameters if "parameter_name" in p]
    if not named:
        if given:
            raise GraphError(
                132000, COUNT_MESSAGE, f"{name}: parameter_name is only for templates with NAMED parameters"
            )
        return
    if not slot.names:
        return
    if len(given) != len(parameters) or sorted(map(str, given)) != sorted(slot.names):
        raise GraphError(
            132000,
            COUNT_MESSAGE,
            f"{name}: parameter names ({', '.join(map(str, given)) or 'none'}) do not match the "
            f"template's ({', '.join(slot.names)})",
        )


def check_kinds(name: str, slot: Slot, parameters: list[dict[str, Any]]) -> None:
    """Each parameter's ``type`` is the one the slot takes (image for an IMAGE header, payload for a
    quick reply, ...)."""
    if slot.parameter_type is None:
        return
    for parameter in parameters:
        kind = parameter.get("type")
        allowed = {slot.parameter_type}
        if slot.parameter_type == "text" and name == "body":
            allowed |= {"currency", "date_time"}
        if kind not in allowed:
            raise GraphError(
                132012,
                FORMAT_MESSAGE,
                f"{name}: a parameter of type {kind} where the template expects {slot.parameter_type}",
            )
