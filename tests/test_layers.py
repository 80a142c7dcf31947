"""The package's import rules, read from its source: layers import only downwards, every package the
code imports is declared, and the sandbox stands apart.

Layers, bottom up (ARCHITECTURE.md): ``constants``, ``exceptions``, ``utils`` <- ``models`` <- ``hooks``
<- ``delivery``, ``triggers`` <- ``operators``, ``sensors``, ``notifications``. Parts of one layer (the
top three; delivery and triggers) do not import each other. Every import counts, also one inside a
function or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "airflow_provider_whatsapp"
NAME = "airflow_provider_whatsapp"
LAYERS = {
    "__init__": 0,
    "constants": 0,
    "exceptions": 0,
    "utils": 0,
    "get_provider_info": 0,
    "models": 1,
    "hooks": 2,
    "delivery": 3,
    "triggers": 3,
    "operators": 4,
    "sensors": 4,
    "notifications": 4,
    "cli": 4,
}


def imports(path: Path) -> list[str]:
    """Every module ``path`` imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            # ``from airflow_provider_whatsapp import operators`` imports the operators: count the names
            found += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    return found


def top_level_imports(path: Path) -> list[str]:
    """The modules ``path`` imports when it is imported: module-level statements, not ``TYPE_CHECKING``
    blocks nor functions."""
    found = []
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.append(node.module or "")
    return found


def part_of(module: str) -> str:
    """The package's first-level part a module belongs to: ``hooks`` for ``...hooks.client``."""
    parts = module.split(".")
    if len(parts) > 1 and (parts[1] in LAYERS or parts[1] == "sandbox"):
        return parts[1]
    return "__init__"  # the package itself, or a name it defines (``__version__``)


def provider_files() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if part_of_file(path) != "sandbox"]


def part_of_file(path: Path) -> str:
    return part_of(".".join(path.relative_to(ROOT).with_suffix("").parts))


def test_every_import_goes_down_the_layers() -> None:
    offenders = []
    for path in provider_files():
        mine = part_of_file(path)
        for module in imports(path):
            if not module.startswith(f"{NAME}."):
                continue
            theirs = part_of(module)
            upward = LAYERS[theirs] > LAYERS[mine]
            sideways = LAYERS[theirs] == LAYERS[mine] >= 3 and theirs != mine
            if upward or sideways:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_shared_layer_needs_only_the_standard_library() -> None:
    """``utils`` (and the modules beside it) load at DAG-parse time, from any layer."""
    outside = []
    for path in provider_files():
        if LAYERS[part_of_file(path)] != 0 or path.name == "get_provider_info.py":
            continue
        for module in imports(path):
            top = module.split(".")[0]
            if top != NAME and top not in sys.stdlib_module_names:
                outside.append(f"{path.relative_to(ROOT)} imports {module}")
    assert outside == []


def test_the_hook_modules_dag_files_load_need_only_the_standard_library() -> None:
    """``hooks/lazy.py`` and ``hooks/config.py`` load when a DAG file is parsed (operators and sensors
    hold their hook through them): at module level they import the standard library and the light
    layer only."""
    light = {f"{NAME}.{name}" for name in ("constants", "exceptions", "utils", "hooks.config")}
    outside = [
        f"{name} imports {module}"
        for name in ("lazy.py", "config.py")
        for module in top_level_imports(PACKAGE / "hooks" / name)
        if module.split(".")[0] not in sys.stdlib_module_names
        and not any(module == part or module.startswith(f"{part}.") for part in light)
    ]
    assert outside == []


def test_the_sandbox_imports_nothing_of_the_provider() -> None:
    sandbox = PACKAGE / "sandbox"
    leaks = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted(sandbox.rglob("*.py"))
        for module in imports(path)
        if module.startswith(NAME) and not module.startswith(f"{NAME}.sandbox")
    ]
    assert leaks == []


def declared() -> set[str]:
    """The distributions ``pyproject.toml`` declares for installs (not the dev extra), normalised."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_normal(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_the_code_imports_is_declared() -> None:
    """Not only through Airflow's own dependencies, which may change under the package."""
    distributions = importlib.metadata.packages_distributions()
    needed: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for module in imports(path):
            top = module.split(".")[0]
            if top == NAME or top in sys.stdlib_module_names:
                continue
            if module.startswith("airflow.providers."):
                provider = module.split(".")[2:4]
                needed[module] = _normal(f"apache-airflow-providers-{'-'.join(provider)}")
            elif top == "airflow":
                needed[module] = "apache-airflow"
            else:
                needed[module] = _normal(distributions[top][0])
    missing = {module: dist for module, dist in needed.items() if dist not in declared()}
    assert missing == {}
