"""Import cost of the provider's DAG-facing modules, as a DAG file pays it at parse time.

Each run is a fresh ``python -X importtime`` subprocess that first imports the baseline, then writes a
marker to stderr, then runs the imports measured; their cost is the summed cumulative time of the
top-level imports after the marker (import work the baseline already did is not counted twice, and the
baseline's own jitter does not leak into the figure). Two baselines:

- bare: ``import airflow.sdk`` only, so resolving the ``airflow.sdk`` names our modules use
  (``BaseSensorOperator`` loads a module of its own) counts as ours;
- resolved: ``import airflow.sdk`` plus those names, so only our own modules count.

Imports run from bytecode, as in a deployment: the first (dropped) run compiles into a private
``PYTHONPYCACHEPREFIX``. For scale, the Slack and Apprise providers' operators and notifiers are
measured the same way when they are installed (they are not dependencies). Prints the median of
several runs.

    python benchmarks/import_cost.py [--runs 9] [--budget-ms 10]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile

MARK = "@@measure@@"
PACKAGES = (
    "airflow_provider_whatsapp.operators",
    "airflow_provider_whatsapp.sensors",
    "airflow_provider_whatsapp.notifications",
)
#: Every public name of the three packages (each loads its module on first use), and one operator,
#: as most DAG files import.
EVERY_NAME = "\n".join(f"from {package} import *" for package in PACKAGES)
ONE_OPERATOR = "from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator"
SDK_NAMES = ("BaseOperator", "BaseSensorOperator", "PokeReturnValue", "BaseNotifier", "conf")
PEERS = {
    "Slack provider (operators + notifier)": (
        "airflow.providers.slack.operators.slack",
        "airflow.providers.slack.notifications.slack",
    ),
    "Apprise provider (notifier)": ("airflow.providers.apprise.notifications.apprise",),
}


def measure_once(baseline: str, imports: str, env: dict[str, str]) -> float:
    """Milliseconds spent running ``imports`` in a fresh interpreter that already ran ``baseline``."""
    code = f"{baseline}\nimport sys\nsys.stderr.write({MARK!r} + '\\n')\n{imports}\n"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    _, _, after = proc.stderr.partition(MARK)
    total_us = 0
    for line in after.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # top level: one space only
            total_us += int(cumulative)
    return total_us / 1000


def median_ms(baseline: str, imports: str, runs: int, env: dict[str, str]) -> float:
    """Median over ``runs`` fresh interpreters (the first, cold, run warms caches and is dropped)."""
    measure_once(baseline, imports, env)
    return statistics.median(measure_once(baseline, imports, env) for _ in range(runs))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--budget-ms", type=float, default=10.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="import-cost-") as home:
        # Set here too: find_spec() below imports the ``airflow`` package, which reads AIRFLOW_HOME.
        os.environ.update(AIRFLOW_HOME=home, AIRFLOW__CORE__LOAD_EXAMPLES="False")
        # A deployed package runs from bytecode: let the warm-up run write it (into a private cache,
        # so the source tree stays clean) even where PYTHONDONTWRITEBYTECODE is set.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = os.path.join(home, "pycache")
        bare = "import airflow.sdk"
        resolved = f"import airflow.sdk\nfrom airflow.sdk import {', '.join(SDK_NAMES)}"
        over_bare = median_ms(bare, EVERY_NAME, args.runs, env)
        over_resolved = median_ms(resolved, EVERY_NAME, args.runs, env)
        one = median_ms(bare, ONE_OPERATOR, args.runs, env)
        print(f"every name of .operators, .sensors, .notifications (median of {args.runs} runs)")
        print(f"  over `import airflow.sdk`:                   {over_bare:7.1f} ms")
        print(f"  over airflow.sdk with its names resolved:    {over_resolved:7.1f} ms")
        verdict = "within" if over_bare <= args.budget_ms else "OVER"
        print(f"  {verdict} the {args.budget_ms:g} ms budget")
        print(f"one operator ({ONE_OPERATOR.rsplit(' ', 1)[-1]}), over `import airflow.sdk`: {one:.1f} ms")
        for label, modules in PEERS.items():
            if importlib.util.find_spec(modules[0].rsplit(".", 2)[0]) is None:
                print(f"{label}: not installed, skipped")
                continue
            cost = median_ms(bare, f"import {', '.join(modules)}", args.runs, env)
            print(f"{label}, over `import airflow.sdk`: {cost:7.1f} ms")


if __name__ == "__main__":
    main()
