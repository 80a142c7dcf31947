"""A template's variables: the rules Meta sets for them in a definition, and what a send must fill in.

Meta, "Template components" and "Named parameters" (Cloud API, templates): POSITIONAL templates number
their variables ``{{1}}`` to ``{{n}}`` in sequence; NAMED ones (``parameter_format: NAMED``) use names of
lowercase letters, digits and underscores (``{{first_name}}``). Every variable needs an example value:
``body_text`` holds one list of n values, ``header_text`` one value, ``body_text_named_params`` /
``header_text_named_params`` one ``{param_name, example}`` for each name. A URL button's ``url`` may end
in one ``{{1}}``, which then needs an ``example``.

:func:`variable_problems` judges a definition's texts (used by ``TemplateDefinition``);
:func:`send_slots` reads a stored template's components (the API's JSON) into what each component of a
send must carry, for the checked sends of ``template_check``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
NAMED_VARIABLE = re.compile(r"[a-z_][a-z0-9_]*")
MEDIA_HEADER_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT", "LOCATION")


def placeholders(text: str | None) -> tuple[str, ...]:
    """The distinct variables of a text, in order of first use: ``"{{1}} and {{ 2 }}"`` -> ``("1", "2")``."""
    return tuple(dict.fromkeys(PLACEHOLDER.findall(text or "")))


def _braced(names: Sequence[str]) -> str:
    return ", ".join(f"{{{{{name}}}}}" for name in names)


def variable_problems(
    names: Sequence[str], example: Any, parameter_format: str, kind: str
) -> list[tuple[str, str]]:
    """What breaks Meta's rules in a HEADER's or BODY's variables ``names`` with their ``example``
    (a ``HeaderExample`` / ``BodyExample`` or None), as ``(field under the component, rule)``."""
    if not names:
        return []
    prefix = "body_text" if kind == "BODY" else "header_text"
    if parameter_format == "NAMED":
        return _named_problems(names, example, f"{prefix}_named_params")
    return _positional_problems(names, example, prefix)


def _positional_problems(names: Sequence[str], example: Any, field: str) -> list[tuple[str, str]]:
    named = [name for name in names if not name.isdigit()]
    if named:
        return [("text", f"{_braced(named)}: named variables need parameter_format NAMED")]
    expected = [str(number) for number in range(1, len(names) + 1)]
    if sorted(names, key=lambda name: (len(name), name)) != expected:
        return [
            (
                "text",
                f"POSITIONAL variables are numbered {_braced(expected)} in sequence; found {_braced(names)}",
            )
        ]
    values = getattr(example, field, None)
    if field == "body_text":  # one list of values: [["Alex", "A-1042"]]
        values = values[0] if isinstance(values, list) and len(values) == 1 else None
    if not isinstance(values, list) or len(values) != len(names):
        given = f"{len(values)} given" if isinstance(values, list) else "none given"
        return [(f"example.{field}", f"one example value for each variable ({_braced(expected)}); {given}")]
    return []


def _named_problems(names: Sequence[str], example: Any, field: str) -> list[tuple[str, str]]:
    bad = [name for name in names if not NAMED_VARIABLE.fullmatch(name)]
    if bad:
        return [("text", f"{_braced(bad)}: NAMED variables are lowercase letters, digits and underscores")]
    given = [item.param_name for item in getattr(example, field, None) or []]
    if sorted(given) != sorted(names):
        return [
            (
                f"example.{field}",
                f"one param_name for each variable ({', '.join(names)}); given {', '.join(given) or 'none'}",
            )
        ]
    return []


def url_variable_problems(url: str, example: Sequence[str] | None) -> list[tuple[str, str]]:
    """A URL button's variable: at most one, ``{{1}}``, at the end of the URL, with one example."""
    found = PLACEHOLDER.findall(url)
    if not found:
        return []
    if found != ["1"] or not re.search(r"\{\{\s*1\s*\}\}$", url):
        return [("url", "a URL button takes one variable, {{1}}, at the end of the URL")]
    if not example or len(example) != 1:
        return [("example", "one example value for the URL's {{1}}")]
    return []


@dataclass(frozen=True)
class Slot:
    """What one component of a send must carry.

    ``counts``: how many parameters are allowed; ``names``: a NAMED template's parameter names;
    ``kinds``: the parameter ``type``s allowed; ``sub_type``: a button component's ``sub_type``;
    ``what``: the component as a reader names it (``BODY``, ``HEADER (IMAGE)``, ``button 0 (URL)``).
    """

    what: str
    counts: frozenset[int]
    names: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset()
    sub_type: str | None = None


_BODY_KINDS = frozenset({"text", "currency", "date_time"})
#: button type -> (the ``sub_type`` a send names, parameter type, allowed counts)
_BUTTON_SLOTS: Mapping[str, tuple[str, str, frozenset[int]]] = {
    "COPY_CODE": ("copy_code", "coupon_code", frozenset({1})),
    "OTP": ("url", "text", frozenset({1})),
    "QUICK_REPLY": ("quick_reply", "payload", frozenset({0, 1})),
    "FLOW": ("flow", "action", frozenset({0, 1})),
    "CATALOG": ("catalog", "action", frozenset({0, 1})),
    "MPM": ("mpm", "action", frozenset({0, 1})),
}


def _text_slot(what: str, text: str | None, named: bool, kinds: frozenset[str]) -> Slot:
    found = placeholders(text)
    return Slot(what, frozenset({len(found)}), found if named else (), kinds)


def _button_slot(index: int, button: Mapping[str, Any]) -> Slot:
    kind = str(button.get("type", "")).upper()
    what = f"button {index} ({kind})"
    if kind == "URL":
        return Slot(what, frozenset({len(placeholders(button.get("url")))}), (), frozenset({"text"}), "url")
    if kind in _BUTTON_SLOTS:
        sub_type, parameter, counts = _BUTTON_SLOTS[kind]
        return Slot(what, counts, (), frozenset({parameter}), sub_type)
    return Slot(what, frozenset({0}))


def send_slots(
    components: Sequence[Mapping[str, Any]], parameter_format: str | None, category: str | None
) -> dict[str, Slot]:
    """The slots a send of a stored template fills, keyed ``header``, ``body`` and ``button:<index>``.

    A text header or the body takes one parameter per variable (named like them in a NAMED template);
    a media header one parameter of its kind; an AUTHENTICATION body, whose text Meta writes, the code.
    URL buttons take one text per variable, copy-code and one-time-password buttons one code, quick
    replies an optional payload, flow and catalog buttons an optional action; other buttons none.
    """
    named = str(parameter_format or "").upper() == "NAMED"
    slots = {"header": Slot("HEADER", frozenset({0})), "body": Slot("BODY", frozenset({0}))}
    for component in components:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            header_format = str(component.get("format", "TEXT")).upper()
            if header_format in MEDIA_HEADER_FORMATS:
                kinds = frozenset({header_format.lower()})
                slots["header"] = Slot(f"HEADER ({header_format})", frozenset({1}), (), kinds)
            else:
                slots["header"] = _text_slot("HEADER", component.get("text"), named, frozenset({"text"}))
        elif kind == "BODY":
            if str(category or "").upper() == "AUTHENTICATION":
                slots["body"] = Slot("BODY", frozenset({1}), (), frozenset({"text"}))
            else:
                slots["body"] = _text_slot("BODY", component.get("text"), named, _BODY_KINDS)
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                slots[f"button:{index}"] = _button_slot(index, button)
    return slots
