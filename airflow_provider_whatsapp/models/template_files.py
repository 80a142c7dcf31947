"""Template files: message templates kept as YAML or JSON in a repository, read and written here.

A file holds the Cloud API's own template definition (``name``, ``language``, ``category``,
``parameter_format``, ``components`` with their ``example`` values and buttons), one template as a
mapping, several as a list, or several YAML documents (``---``). A folder is read with every ``*.yaml``,
``*.yml`` and ``*.json`` under it, in name order. Every template is validated with Meta's rules
(``TemplateDefinition``) before anything is sent, and all problems of all files are raised at once,
each naming the file, the template, the component and the rule; a name in a language defined twice is
one of them.

Paths are read through what ``pathlib.Path`` and Airflow's ``ObjectStoragePath`` share (``is_dir``,
``iterdir``, ``read_text``), so this module needs neither Airflow nor a file system of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import yaml

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.common import validate_model
from airflow_provider_whatsapp.models.responses import TemplateInfo
from airflow_provider_whatsapp.models.template_definitions import TemplateDefinition

SUFFIXES = (".yaml", ".yml", ".json")
#: The order of a template's keys in written files: what a reader looks for first.
_KEY_ORDER = ("name", "language", "category", "parameter_format", "allow_category_change", "components")


@runtime_checkable
class TemplateTree(Protocol):
    """A file or folder of template files: ``pathlib.Path`` and ``ObjectStoragePath`` both are one."""

    @property
    def name(self) -> str: ...

    def is_dir(self) -> bool: ...

    def iterdir(self) -> Iterator[TemplateTree]: ...

    def read_text(self, encoding: str = ...) -> str: ...


class ExportTarget(Protocol):
    """Where an export writes: a folder, or one file named ``*.yaml``, ``*.yml`` or ``*.json``."""

    @property
    def name(self) -> str: ...

    def __truediv__(self, name: str) -> ExportTarget: ...

    def mkdir(self, *, parents: bool = ..., exist_ok: bool = ...) -> None: ...

    def write_text(self, data: str, encoding: str = ...) -> int: ...


#: What a template sync reads: a file or folder, or the definitions themselves.
TemplatesInput = str | os.PathLike[str] | TemplateTree | Mapping[str, Any] | Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class TemplateSource:
    """One validated template and where it was defined (``orders.yaml``, ``templates[2]``)."""

    definition: TemplateDefinition
    origin: str

    @property
    def key(self) -> tuple[str, str]:
        """A template is one name in one language."""
        return self.definition.name, self.definition.language


def load_templates(source: TemplatesInput) -> list[TemplateSource]:
    """Every template of ``source`` (a file, a folder, a definition or a list of them), validated.

    Raises one :class:`WhatsAppValidationError` listing every problem found, each as
    ``("<file>: <name> (<language>): components.1 (BODY).example.body_text", rule)``.
    """
    problems: list[tuple[str, str]] = []
    found: list[TemplateSource] = []
    for origin, item in _items(source, problems):
        found += _validated(origin, item, problems)
    seen: dict[tuple[str, str], str] = {}
    for template in found:
        first = seen.setdefault(template.key, template.origin)
        if first != template.origin:
            name, language = template.key
            problems.append((f"{template.origin}: {name} ({language})", f"defined again (first in {first})"))
    if problems:
        raise WhatsAppValidationError(problems)
    return found


def _items(source: TemplatesInput, problems: list[tuple[str, str]]) -> Iterator[tuple[str, Any]]:
    """``(origin, raw template)`` for each template in ``source``; unreadable files become problems."""
    if isinstance(source, Mapping):
        yield "templates[0]", source
        return
    if isinstance(source, Sequence) and not isinstance(source, str):
        yield from ((f"templates[{index}]", item) for index, item in enumerate(source))
        return
    # An ObjectStoragePath is os.PathLike too (universal_pathlib 0.2 spells it "file:/..."): used as is.
    tree: TemplateTree = source if isinstance(source, TemplateTree) else Path(source)
    files = sorted(_files(tree), key=str) if tree.is_dir() else [tree]
    if not files:
        problems.append((str(tree), f"holds no template files ({', '.join(SUFFIXES)})"))
    for path in files:
        yield from _file_items(path, problems)


def _files(folder: TemplateTree) -> Iterator[TemplateTree]:
    for entry in folder.iterdir():
        if entry.is_dir():
            yield from _files(entry)
        elif entry.name.lower().endswith(SUFFIXES) and not entry.name.startswith("."):
            yield entry


def _file_items(path: TemplateTree, problems: list[tuple[str, str]]) -> Iterator[tuple[str, Any]]:
    origin = str(path)
    if not path.name.lower().endswith(SUFFIXES):
        problems.append((origin, f"not a template file: its name must end in {', '.join(SUFFIXES)}"))
        return
    try:
        text = path.read_text(encoding="utf-8")
        if path.name.lower().endswith(".json"):
            documents: list[Any] = [json.loads(text)]
        else:
            documents = list(yaml.safe_load_all(text))
    except (OSError, UnicodeDecodeError) as error:
        problems.append((origin, f"cannot be read: {error}"))
        return
    except (ValueError, yaml.YAMLError) as error:
        problems.append((origin, f"is not valid {'JSON' if origin.endswith('.json') else 'YAML'}: {error}"))
        return
    items = [item for document in documents if document is not None for item in _listed(document)]
    for index, item in enumerate(items):
        yield (origin if len(items) == 1 else f"{origin}[{index}]"), item


def _listed(document: Any) -> list[Any]:
    return list(document) if isinstance(document, list) else [document]


def _validated(origin: str, item: Any, problems: list[tuple[str, str]]) -> list[TemplateSource]:
    if not isinstance(item, Mapping):
        problems.append((origin, "must be a template: a mapping with name, language, category, components"))
        return []
    where = f"{origin}: {_label(item)}"
    try:
        return [TemplateSource(validate_model(TemplateDefinition, item), origin)]
    except WhatsAppValidationError as error:
        for field, rule in error.errors:
            named = _component_names(field, item)
            problems.append((f"{where}: {named}" if named else where, rule))
        return []


def _label(item: Mapping[str, Any]) -> str:
    name, language = item.get("name"), item.get("language")
    return f"{name} ({language})" if isinstance(name, str) and isinstance(language, str) else "a template"


def _component_names(field: str, item: Mapping[str, Any]) -> str:
    """``components.1.text`` -> ``components.1 (BODY).text``: the component a problem is in, by kind."""
    parts = field.split(".")
    components = item.get("components")
    if parts[0] != "components" or len(parts) < 2 or not parts[1].isdigit():
        return field
    if not isinstance(components, list):
        return field
    index = int(parts[1])
    component = components[index] if index < len(components) else None
    kind = component.get("type") if isinstance(component, Mapping) else None
    if not isinstance(kind, str):
        return field
    rest = ".".join(parts[2:])
    return f"components.{index} ({kind.upper()})" + (f".{rest}" if rest else "")


# --- writing -------------------------------------------------------------------------------------------


def definition_of(template: TemplateInfo) -> dict[str, Any]:
    """A template as the account lists it, in the file format: what the server adds (id, status,
    quality, rejection reason, previous category) left out."""
    definition = {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "parameter_format": template.parameter_format,
        "components": template.components,
    }
    return {key: value for key, value in definition.items() if value is not None}


def to_yaml(document: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> str:
    """One template (a mapping) or several (a list) as YAML, keys in the order a reader looks for."""

    def ordered(template: Mapping[str, Any]) -> dict[str, Any]:
        first = {key: template[key] for key in _KEY_ORDER if key in template}
        return {**first, **{key: value for key, value in template.items() if key not in first}}

    data = ordered(document) if isinstance(document, Mapping) else [ordered(item) for item in document]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def export_files(definitions: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """One YAML file per template name, ``<name>.yaml`` (its languages listed together), in name order."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for definition in definitions:
        by_name.setdefault(str(definition["name"]), []).append(definition)
    return {
        f"{name}.yaml": to_yaml(languages[0] if len(languages) == 1 else languages)
        for name, languages in sorted(by_name.items())
    }


def write_export(target: ExportTarget, definitions: Sequence[Mapping[str, Any]]) -> list[str]:
    """Write ``definitions``: into a folder, one file per name (:func:`export_files`); into a file named
    ``*.yaml`` / ``*.yml`` / ``*.json``, all of them as a list. Returns the files written."""
    if target.name.lower().endswith(".json"):
        target.write_text(
            json.dumps(list(definitions), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return [str(target)]
    if target.name.lower().endswith(SUFFIXES):
        target.write_text(to_yaml(list(definitions)), encoding="utf-8")
        return [str(target)]
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export_files(definitions).items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(str(path))
    return written
