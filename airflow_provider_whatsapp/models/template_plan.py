"""Template sync plans: what to change so that an account's templates match the files, decided without
any request (``hooks/template_sync.py`` reads the account and applies the plan).

Templates are matched by name and language. What the server adds (id, status, quality, rejection
reason, previous category) is not compared. What it may rewrite is normalised on both sides: enums in
any case, texts without surrounding white space, phone numbers as digits, components in any order, and
a media header's sample (uploaded as a handle, listed as Meta's own URL) is not compared.
Within a component or button only the keys the file gives are compared, since Meta fills in some
itself (an authentication template's texts). Each template gets one action:

- ``create``: not in the account.
- ``update``: changed, and Meta's edit rules allow the edit (components; the category of a template
  that is not APPROVED).
- ``unchanged``.
- ``drift``: Meta changed the category itself (``previous_category``) and the file still says the old
  one: reported, not fought over (write the new category in the file to accept it).
- ``blocked``: changed, but Meta's edit rules refuse it: only APPROVED, REJECTED or PAUSED templates are
  edited (a PENDING one once its review ends); an APPROVED template keeps its category; no template
  switches between POSITIONAL and NAMED variables. How often an APPROVED template may be edited (once in
  24 hours, 10 times in 30 days) the API does not say beforehand: an edit Meta refuses for it turns
  ``blocked`` when applied.
- ``delete``: in the account but not in the files, with ``delete_missing``; else ``unmanaged`` (kept).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_whatsapp.models.responses import TemplateInfo
from airflow_provider_whatsapp.models.template_files import TemplateSource
from airflow_provider_whatsapp.models.template_variables import MEDIA_HEADER_FORMATS

Action = Literal["create", "update", "unchanged", "drift", "blocked", "delete", "unmanaged"]
ACTIONS: tuple[Action, ...] = ("create", "update", "delete", "blocked", "drift", "unchanged", "unmanaged")
WRITES = frozenset({"create", "update", "delete"})
#: Meta, "Edit templates": "Only templates with an APPROVED, REJECTED, or PAUSED status can be edited."
EDITABLE = frozenset({"APPROVED", "REJECTED", "PAUSED"})
IN_REVIEW = frozenset({"PENDING", "IN_APPEAL"})
BEING_DELETED = frozenset({"PENDING_DELETION", "DELETED"})
_ENUM_KEYS = frozenset({"type", "format", "otp_type"})
_COMPONENT_ORDER = ("HEADER", "BODY", "FOOTER", "BUTTONS")


@dataclass(frozen=True)
class PlanItem:
    """What the sync does with one template (``name`` in ``language``), and why.

    ``status`` is the account's (after applying: the new one); ``edit`` the body of an update;
    ``result`` is set once applied: ``done``, or what went wrong.
    """

    action: Action
    name: str
    language: str
    detail: str = ""
    status: str | None = None
    template_id: str | None = None
    origin: str | None = None
    changes: tuple[str, ...] = ()
    definition: Mapping[str, Any] | None = field(default=None, repr=False)
    edit: Mapping[str, Any] | None = field(default=None, repr=False)
    result: str | None = None

    def applied(self, result: str, **changes: Any) -> PlanItem:
        """This item after applying it: ``result`` and any field that changed with it."""
        return dataclasses.replace(self, result=result, **changes)

    def to_json(self) -> dict[str, Any]:
        """The item as XCom and ``--json`` show it."""
        return {
            "action": self.action,
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "template_id": self.template_id,
            "origin": self.origin,
            "detail": self.detail,
            "changes": list(self.changes),
            "result": self.result,
        }


@dataclass(frozen=True)
class TemplatePlan:
    """Every template's action, in a stable order: writes first, then the rest, each by name."""

    items: tuple[PlanItem, ...]

    @property
    def writes(self) -> list[PlanItem]:
        """The items that make a write request when applied."""
        return [item for item in self.items if item.action in WRITES]

    def awaiting_review(self) -> list[tuple[str, str]]:
        """``(name, language)`` of the templates the files describe that Meta is still reviewing."""
        return [
            (item.name, item.language)
            for item in self.items
            if item.action in ("create", "update", "unchanged", "drift") and item.status in IN_REVIEW
        ]

    def failed(self) -> list[PlanItem]:
        """Items whose write went wrong when applied (an edit Meta refused is ``blocked`` instead)."""
        return [item for item in self.items if item.result == "failed"]

    def summary(self) -> str:
        """``1 to create, 2 unchanged, 1 blocked``, in the order of :data:`ACTIONS`."""
        counts = Counter(item.action for item in self.items)
        words = {"create": "to create", "update": "to update", "delete": "to delete"}
        parts = [f"{counts[action]} {words.get(action, action)}" for action in ACTIONS if counts[action]]
        return ", ".join(parts) or "no templates"

    def table(self) -> str:
        """The plan as a text table for logs and terminals (``result`` once applied)."""
        headers = ["action", "template", "language", "status"]
        applied = any(item.result is not None for item in self.items)
        headers += ["result", "detail"] if applied else ["detail"]
        rows = []
        for item in self.items:
            row = [item.action, item.name, item.language, item.status or "-"]
            row += [item.result or "-", item.detail] if applied else [item.detail]
            rows.append(row)
        widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
        lines = [headers, ["-" * width for width in widths], *rows]
        return "\n".join(
            "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
            for line in lines
        )

    def to_json(self) -> list[dict[str, Any]]:
        """Every item as JSON (for XCom)."""
        return [item.to_json() for item in self.items]


def make_plan(
    wanted: Sequence[TemplateSource], existing: Sequence[TemplateInfo], *, delete_missing: bool = False
) -> TemplatePlan:
    """The plan that makes the account's templates (``existing``, every page) match ``wanted``."""
    have = {(template.name, template.language or ""): template for template in existing}
    items = [
        _compare(source, have[source.key]) if source.key in have else _create(source) for source in wanted
    ]
    keys = {source.key for source in wanted}
    for key, template in have.items():
        if key in keys or str(template.status or "").upper() in BEING_DELETED:
            continue
        action: Action = "delete" if delete_missing else "unmanaged"
        detail = "not in the files" + ("" if delete_missing else "; kept (delete_missing=True deletes it)")
        items.append(PlanItem(action, key[0], key[1], detail, template.status, template.id))
    order = {action: position for position, action in enumerate(ACTIONS)}
    return TemplatePlan(tuple(sorted(items, key=lambda item: (order[item.action], item.name, item.language))))


def _create(source: TemplateSource) -> PlanItem:
    definition = source.definition
    return PlanItem(
        "create",
        definition.name,
        definition.language,
        f"new {definition.category} template",
        origin=source.origin,
        definition=definition.to_api(),
    )


def _compare(source: TemplateSource, template: TemplateInfo) -> PlanItem:
    """Unchanged, drift, update or blocked: what Meta's edit rules make of the differences."""
    wanted = source.definition
    status = str(template.status or "").upper()
    category = str(template.category or "").upper()
    previous = str(template.previous_category or "").upper()
    components = wanted.to_api()["components"]
    component_diff = component_changes(components, template.components)
    drift = bool(previous) and wanted.category == previous != category
    category_changed = wanted.category != category and not drift
    changes = [f"category {category} -> {wanted.category}"] * category_changed + component_diff
    their_format = str(template.parameter_format or "POSITIONAL").upper()
    our_format = wanted.parameter_format or "POSITIONAL"
    item = PlanItem(
        "unchanged",
        wanted.name,
        wanted.language,
        status=status,
        template_id=template.id,
        origin=source.origin,
        changes=tuple(changes),
    )
    drift_note = (
        f"Meta changed the category {previous} -> {category}; the file still says {previous}: "
        f"write category {category} to accept it"
    )
    if status in BEING_DELETED:
        deleting = f"{status}: Meta is deleting it; its name cannot be used again yet"
        return dataclasses.replace(item, action="blocked", detail="; ".join([*changes, deleting]))
    if not changes and our_format == their_format:
        if drift:
            return dataclasses.replace(item, action="drift", detail=drift_note)
        rejected = template.rejected_reason if template.rejected_reason not in (None, "NONE") else None
        return dataclasses.replace(item, detail=f"{status}, reason {rejected}" if rejected else "")
    blocked = _edit_refusal(status, category_changed, our_format, their_format)
    if blocked:
        return dataclasses.replace(item, action="blocked", detail="; ".join([*changes, blocked]))
    edit: dict[str, Any] = {}
    if component_diff:
        edit["components"] = components
    if category_changed:
        edit["category"] = wanted.category
    detail = "; ".join(changes) + (f" ({drift_note})" if drift else "")
    return dataclasses.replace(item, action="update", detail=detail, edit=edit)


def _edit_refusal(status: str, category_changed: bool, our_format: str, their_format: str) -> str | None:
    """Why Meta's edit rules refuse this edit, or None when they allow it."""
    if our_format != their_format:
        return (
            f"parameter_format {their_format} -> {our_format}: a template cannot switch between "
            "POSITIONAL and NAMED variables (give it a new name)"
        )
    if status in IN_REVIEW:
        return f"{status}: Meta is reviewing it; it can be edited once the review ends"
    if status not in EDITABLE:
        return f"{status or 'no status'}: only APPROVED, REJECTED or PAUSED templates can be edited"
    if status == "APPROVED" and category_changed:
        return "the category of an APPROVED template cannot be changed (give it a new name)"
    return None


def canonical(value: Any, key: str = "") -> Any:
    """A definition as compared: enums upper case, texts stripped, phone numbers as digits, no nulls."""
    if isinstance(value, Mapping):
        return {name: canonical(item, name) for name, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, str):
        if key in _ENUM_KEYS:
            return value.upper()
        if key == "phone_number":
            return "".join(ch for ch in value if ch.isdigit())
        return value.strip()
    return value


def component_changes(wanted: Sequence[Mapping[str, Any]], have: Sequence[Mapping[str, Any]]) -> list[str]:
    """What differs between the file's components and the account's, in words (``BODY text``,
    ``FOOTER added``, ``button 1 url``); empty when they match."""
    mine = {str(c.get("type", "")): _comparable(c) for c in canonical(list(wanted))}
    theirs = {str(c.get("type", "")): _comparable(c) for c in canonical(list(have)) if isinstance(c, Mapping)}
    kinds = [*_COMPONENT_ORDER, *sorted((set(mine) | set(theirs)) - set(_COMPONENT_ORDER))]
    changes: list[str] = []
    for kind in kinds:
        ours, their = mine.get(kind), theirs.get(kind)
        if ours is None or their is None:
            if ours is not their:
                changes.append(f"{kind} {'removed' if ours is None else 'added'}")
            continue
        if kind == "BUTTONS":
            changes += _button_changes(ours.get("buttons") or [], their.get("buttons") or [])
        fields = [name for name, value in ours.items() if name != "buttons" and their.get(name) != value]
        if fields:
            changes.append(f"{kind} {', '.join(fields)}")
    return changes


def _comparable(component: Mapping[str, Any]) -> Mapping[str, Any]:
    """A canonical component without what Meta keeps in its own form: a media header's sample."""
    if component.get("type") == "HEADER" and component.get("format") in MEDIA_HEADER_FORMATS:
        return {name: value for name, value in component.items() if name != "example"}
    return component


def _button_changes(ours: Sequence[Mapping[str, Any]], theirs: Sequence[Mapping[str, Any]]) -> list[str]:
    if len(ours) != len(theirs):
        return [f"{len(ours)} buttons instead of {len(theirs)}"]
    changes = []
    for index, (mine, their) in enumerate(zip(ours, theirs, strict=True)):
        fields = [name for name, value in mine.items() if their.get(name) != value]
        if fields:
            changes.append(f"button {index} {', '.join(fields)}")
    return changes
