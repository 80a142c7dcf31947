"""A package's public names, each loaded from its module on first use (PEP 562).

Creating an operator class costs Airflow's metaclass a fraction of a millisecond: a DAG file that
imports one operator should not pay for all of them. ``from package import Name`` works as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    namespace: dict[str, Any], modules: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for the package whose ``globals()`` are ``namespace``: each name
    of ``modules`` (name -> submodule) is imported from its submodule when first asked for, and kept."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        submodule = modules.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{submodule}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *modules})

    return __getattr__, __dir__
