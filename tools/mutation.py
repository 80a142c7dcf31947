"""``make mutation``: run mutmut over the modules of ``[tool.mutmut] only_mutate``, then print each module's
score and the mutants that survived.

A mutant is killed when a test failed, timed out or mypy refused it; one not checked yet (an interrupted
run) leaves its module unfinished. Mutants that no test can kill (each listed with its reason in
``tests/mutation/EQUIVALENT.md``) are counted apart: the score is killed / (mutants - those).

mutmut keeps its results in ``mutants/``: a second run tests only mutants without a result.
``--again [MODULE...]`` runs the survivors (of those modules) again, after new tests; ``--report`` prints
the table without running mutmut; other arguments go to ``mutmut run`` (e.g. mutant names).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = str(Path(sys.executable).parent / "mutmut")
EQUIVALENT = ROOT / "tests" / "mutation" / "EQUIVALENT.md"
KILLED = frozenset({"killed", "timeout", "caught by type check"})
THRESHOLD = 90.0
#: ``    airflow_provider_whatsapp.utils.phone.x_mask_phone__mutmut_3: survived``
RESULT = re.compile(r"^\s+(?P<name>\S+__mutmut_\d+): (?P<status>.+)$")


def modules() -> list[str]:
    """The dotted names of the mutated modules, from pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return [path.removesuffix(".py").replace("/", ".") for path in config["only_mutate"]]


def equivalent() -> set[str]:
    """Mutant names listed in EQUIVALENT.md (each line ``- `name`: why``)."""
    if not EQUIVALENT.exists():
        return set()
    return set(re.findall(r"^- `([^`]+__mutmut_\d+)`", EQUIVALENT.read_text(), flags=re.MULTILINE))


def results() -> dict[str, str]:
    """Every mutant of the last run and its status."""
    listing = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return {m["name"]: m["status"] for line in listing.splitlines() if (m := RESULT.match(line))}


def module_of(mutant: str, names: list[str]) -> str:
    """The longest module name the mutant's name starts with."""
    return max((name for name in names if mutant.startswith(f"{name}.")), key=len, default="?")


def report(statuses: dict[str, str]) -> bool:
    """Print the table and the survivors; True when every module reaches the threshold."""
    names, known = modules(), equivalent()
    counts: dict[str, Counter[str]] = {name: Counter() for name in names}
    survivors: list[str] = []
    for mutant, status in sorted(statuses.items()):
        if mutant in known:
            kind = "equivalent"
        else:
            kind = "killed" if status in KILLED else "unchecked" if status == "not checked" else "alive"
        counts.setdefault(module_of(mutant, names), Counter())[kind] += 1
        if kind == "alive":
            survivors.append(f"{mutant}: {status}")
    width = max(len(name) for name in counts)
    print(f"\n{'module':<{width}}  mutants  killed  alive  equivalent  unchecked  score")
    passed = True
    for name, count in counts.items():
        judged = count["killed"] + count["alive"]
        score = 100.0 * count["killed"] / judged if judged else 100.0
        passed &= score >= THRESHOLD and not count["unchecked"]
        print(
            f"{name:<{width}}  {sum(count.values()):>7}  {count['killed']:>6}  {count['alive']:>5}  "
            f"{count['equivalent']:>10}  {count['unchecked']:>9}  "
            + (f"{score:5.1f} %" if judged else "  n/a")
        )
    print(f"\nsurviving mutants ({len(survivors)}; `mutmut show NAME` prints one's diff):")
    for line in survivors:
        print(f"  {line}")
    print(f"\nevery module >= {THRESHOLD:.0f} %: {'yes' if passed else 'NO'}")
    return passed


def main(argv: list[str]) -> int:
    if argv[:1] == ["--again"]:  # optionally followed by module names: only their survivors
        known, only = equivalent(), tuple(argv[1:])
        argv = [
            name
            for name, status in results().items()
            if status not in KILLED | {"not checked"} and name not in known and name.startswith(only or "")
        ]
        if not argv:
            return 0 if report(results()) else 1
    if argv[:1] != ["--report"]:
        started = time.monotonic()
        subprocess.run([MUTMUT, "run", *argv], cwd=ROOT, check=False)
        print(f"\nmutmut run took {time.monotonic() - started:.0f} s")
    return 0 if report(results()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
