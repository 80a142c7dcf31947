"""DAG files stay cheap to parse: the DAG-facing modules load neither the hook nor its dependencies.

Each check runs in a fresh interpreter and compares the modules loaded against a baseline that
imports ``airflow.sdk`` and resolves the names our modules use, so that whatever Airflow loads itself
is not counted. Times are measured by ``benchmarks/import_cost.py``, never here.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "airflow_provider_whatsapp"
DAG_FACING = (
    "airflow_provider_whatsapp.operators",
    "airflow_provider_whatsapp.sensors",
    "airflow_provider_whatsapp.notifications",
)
#: Loaded at run time only (inside ``execute()`` / ``poke()`` / ``notify()`` / the trigger's ``run()``):
#: the hook and the layers under it that load ``requests``, pydantic and tenacity.
RUN_TIME_ONLY = (
    "requests",
    "tenacity",
    "pydantic",
    "airflow_provider_whatsapp.hooks.whatsapp",
    "airflow_provider_whatsapp.hooks.base",
    "airflow_provider_whatsapp.hooks.client",
    "airflow_provider_whatsapp.hooks.transport",
    "airflow_provider_whatsapp.models",
    "airflow_provider_whatsapp.delivery",
    "airflow_provider_whatsapp.triggers",
)
BASELINE = (
    "import airflow.sdk\n"
    "from airflow.sdk import BaseNotifier, BaseOperator, BaseSensorOperator, PokeReturnValue\n"
    "from airflow.providers.common.compat.sdk import (\n"
    "    AirflowException, AirflowFailException, AirflowSensorTimeout, AirflowSkipException, conf, redact\n"
    ")\n"
)


def modules_after(code: str) -> set[str]:
    """``sys.modules`` of a fresh interpreter after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=dict(os.environ),  # AIRFLOW_HOME as the root conftest set it
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def example_dag_imports() -> str:
    """The module-level import statements of every example DAG file (what parsing it imports)."""
    statements = []
    for path in sorted((ROOT / "example_dags").glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        statements += [
            ast.unparse(node)
            for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom))
            and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
        ]
    return "\n".join(statements)


def test_parsing_dag_files_loads_no_hook_model_trigger_or_http_library() -> None:
    baseline = modules_after(BASELINE)
    every_name = "\n".join(f"from {package} import *" for package in DAG_FACING)
    parsed = modules_after(f"{BASELINE}{every_name}\n{example_dag_imports()}")

    added = parsed - baseline
    loaded = [PACKAGE / m.removeprefix("airflow_provider_whatsapp.").replace(".", "/") for m in added]
    for folder in ("operators", "sensors", "notifications"):  # every DAG-facing module did load
        modules = {path.with_suffix("") for path in (PACKAGE / folder).glob("[!_]*.py")}
        assert modules <= set(loaded), sorted(map(str, modules - set(loaded)))
    heavy = sorted(m for m in added for name in RUN_TIME_ONLY if m == name or m.startswith(f"{name}."))
    assert heavy == []


def test_lower_layers_never_import_the_dag_facing_modules() -> None:
    """Imports flow models <- hooks <- operators, sensors, notifications: none of the lower layers (nor
    the notifier) imports an operator or sensor, not even lazily inside a function."""
    upper = ("airflow_provider_whatsapp.operators", "airflow_provider_whatsapp.sensors")
    offenders = []
    for folder in ("models", "hooks", "triggers", "notifications"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith(upper)]
    assert offenders == []


def test_a_dag_file_importing_one_operator_loads_only_its_module() -> None:
    """The packages load each name's module when it is first imported (``from ... import Name``)."""
    added = modules_after(
        f"{BASELINE}from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator\n"
    ) - modules_after(BASELINE)
    ours = sorted(m.rpartition(".")[2] for m in added if m.startswith("airflow_provider_whatsapp.operators."))
    assert ours == ["base", "messages"]


@pytest.mark.parametrize("package", DAG_FACING)
def test_every_public_name_resolves_and_a_wrong_one_is_an_import_error(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert vars(importlib.import_module(value.__module__))[name] is value  # the module's own object
        assert name in dir(module)
    with pytest.raises(ImportError, match="WhatsAppSendTextOperatr"):
        exec(f"from {package} import WhatsAppSendTextOperatr", {})


@pytest.mark.parametrize(
    "package", ["airflow_provider_whatsapp.operators", "airflow_provider_whatsapp.sensors"]
)
def test_a_lazy_package_loads_exactly_the_names_it_exports(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module._MODULES) == sorted(module.__all__)
