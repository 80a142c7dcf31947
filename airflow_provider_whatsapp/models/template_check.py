"""Checked template sends: whether a send fits the account's template, decided before anything is sent.

The Cloud API refuses a template that is not APPROVED in that language (132001, 132015, 132016) or
parameters that do not fit it (132000, 132012), but only once asked, and once per recipient. This
answers the same locally, from the template as the account lists it: it exists in the language, is
APPROVED, and each component gets exactly what it declares (how many parameters for POSITIONAL
variables, which names for NAMED ones, the header's media kind, each button's ``sub_type`` and
parameter). A mismatch names the template, the component, what it takes and what was given.
"""

from __future__ import annotations

from collections.abc import Sequence

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.responses import TemplateInfo
from airflow_provider_whatsapp.models.template_variables import Slot, send_slots
from airflow_provider_whatsapp.models.templates import ButtonComponent, Template, TemplateComponent

Problem = tuple[str, str]


def template_label(name: str, language: str) -> str:
    """``template order_ready (en_US)``: how errors and logs name a template."""
    return f"template {name} ({language})"


def check_template_send(template: Template, stored: TemplateInfo | None) -> TemplateInfo:
    """``stored`` when ``template`` (a send) fits it, the account's template of that name and language;
    else (or when ``stored`` is None: the account has none) :class:`WhatsAppValidationError`."""
    label = template_label(template.name, template.language.code)
    if stored is None:
        raise WhatsAppValidationError([("template.name", f"{label} does not exist in this account")])
    status = str(stored.status or "UNKNOWN").upper()
    if status != "APPROVED":
        raise WhatsAppValidationError(
            [("template.name", f"{label} is {status}: only APPROVED templates can be sent")]
        )
    slots = send_slots(stored.components, stored.parameter_format, stored.category)
    given: dict[str, list[tuple[int, TemplateComponent]]] = {}
    for index, component in enumerate(template.components or []):
        given.setdefault(_slot_key(component), []).append((index, component))
    named = str(stored.parameter_format or "").upper() == "NAMED"
    problems: list[Problem] = []
    for key in [*slots, *(key for key in given if key not in slots)]:
        slot = slots.get(key)
        if slot is None:
            index = given[key][0][0]
            buttons = sum(name.startswith("button:") for name in slots)
            problems.append(
                (f"template.components.{index}", f"{label} has no button {key[7:]} (it has {buttons})")
            )
            continue
        found = _slot_problems(slot, given.get(key), named)
        problems += [(where, f"{label}: {rule}") for where, rule in found]
    if problems:
        raise WhatsAppValidationError(problems)
    return stored


def _slot_key(component: TemplateComponent) -> str:
    if isinstance(component, ButtonComponent):
        return f"button:{int(component.index)}"
    return component.type


def _takes(slot: Slot) -> str:
    """What a slot takes, in words: ``2 parameters ({{1}}, {{2}})``, ``1 image parameter``..."""
    counts = sorted(slot.counts)
    if counts == [0]:
        return "no parameters"
    amount = f"at most {counts[-1]}" if len(counts) > 1 else str(counts[0])
    kind = "" if len(slot.kinds) != 1 or slot.kinds == {"text"} else f"{next(iter(slot.kinds))} "
    noun = "parameter" if counts[-1] == 1 else "parameters"
    if slot.names:
        return f"{amount} {noun} named {', '.join(slot.names)}"
    return f"{amount} {kind}{noun}"


def _slot_problems(
    slot: Slot, components: Sequence[tuple[int, TemplateComponent]] | None, named: bool
) -> list[Problem]:
    """What is wrong with the components a send gives for one slot (none given: an empty list)."""
    where = f"template.components.{components[0][0]}" if components else "template.components"
    if components and len(components) > 1:
        return [(where, f"{slot.what} is given {len(components)} times")]
    component = components[0][1] if components else None
    parameters = list(component.parameters or []) if component is not None else []
    if len(parameters) not in slot.counts:
        return [(where, f"{slot.what} takes {_takes(slot)}, given {len(parameters) or 'none'}")]
    if isinstance(component, ButtonComponent) and slot.sub_type and component.sub_type != slot.sub_type:
        return [(where, f"{slot.what} takes sub_type {slot.sub_type}, given {component.sub_type}")]
    names = [getattr(parameter, "parameter_name", None) for parameter in parameters]
    if slot.names and sorted(str(name) for name in names) != sorted(slot.names):
        given = ", ".join(str(name) for name in names if name) or "none"
        return [(where, f"{slot.what} takes parameters named {', '.join(slot.names)}; given {given}")]
    if not named and any(names):
        return [(where, f"{slot.what}: parameter_name is only for templates with NAMED parameters")]
    wrong = sorted({parameter.type for parameter in parameters} - slot.kinds)
    if wrong:
        allowed = " or ".join(sorted(slot.kinds))
        return [(where, f"{slot.what} takes {allowed} parameters, given {', '.join(wrong)}")]
    return []
