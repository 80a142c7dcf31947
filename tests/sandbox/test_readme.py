"""Every code block of README.md runs as written against ``whatsapp-sandbox``.

The blocks run in order, in a temporary directory, each bash block in one shell session (so ``export``
carries over) with ``set -euo pipefail``. A comment line right before a block says what to do with it:
``<!-- readme-test: skip (why) -->`` (an illustration, or the project's own commands),
``<!-- readme-test: background -->`` (starts the sandbox: run in the background until the end), or
``<!-- readme-test: file NAME -->`` (written to NAME for a later block to run). Every other bash or
python block is run. The one change made: the sandbox is started on a port it picks itself (``--port 0``)
and that port replaces 8765 in the later blocks, so a sandbox already running on 8765 is never in the way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(
    r"(?:<!-- readme-test: (?P<marker>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<code>.*?)```", re.DOTALL
)


@dataclass(frozen=True)
class Block:
    """One fenced block and what the README's marker says to do with it."""

    lang: str
    code: str
    marker: str

    @property
    def action(self) -> str:
        return self.marker.split()[0] if self.marker else "run"


def blocks(readme: Path) -> list[Block]:
    """The bash and python blocks of a README, in order."""
    found = [Block(m["lang"], m["code"], m["marker"] or "") for m in FENCE.finditer(readme.read_text())]
    return [block for block in found if block.lang in ("bash", "python")]


def test_every_block_is_run_or_says_why_not() -> None:
    found = blocks(ROOT / "README.md")
    assert {block.action for block in found} <= {"run", "skip", "background", "file"}
    for block in found:
        if block.action == "skip":
            assert re.fullmatch(r"skip \(.+\)", block.marker), block.marker
    assert sum(block.action == "run" for block in found) >= 3


def test_readme_blocks_run_as_written(tmp_path: Path) -> None:
    found = [block for block in blocks(ROOT / "README.md") if block.action != "skip"]
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    server: subprocess.Popen[str] | None = None
    port = "8765"
    script: list[str] = ["set -euo pipefail"]
    try:
        for block in found:
            code = block.code.replace("8765", port)
            if block.action == "background":
                command = code.replace("--port 8765", "--port 0")
                server = subprocess.Popen(
                    ["bash", "-c", f"exec {command}"],
                    cwd=tmp_path,
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                assert server.stdout is not None
                first = server.stdout.readline()
                port = first.rsplit(":", 1)[1].strip()
                assert port.isdigit(), first
            elif block.action == "file":
                (tmp_path / block.marker.split()[1]).write_text(code)
            elif block.lang == "bash":
                script.append(code)
            else:
                script.append(f"python - <<'PYTHON'\n{code}PYTHON")
        assert server is not None, "the README starts no sandbox"
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=540,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        auth = {"Authorization": "Bearer sandbox-key"}
        sent = requests.get(f"http://127.0.0.1:{port}/_sandbox/messages", headers=auth, timeout=10).json()[
            "data"
        ]
        assert [m["type"] for m in sent] == ["text", "template"]
        assert sent[0]["body"]["text"]["body"] == "Your report is *ready*"
        assert "Hi Alex, thank you for your order *A-1042*!" in sent[1]["template_text"]
        assert sent[1]["id"] in result.stdout  # the last block printed what was sent
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


@pytest.mark.parametrize("name", ["pipeline_alert", "order_confirmation", "hello_world"])
def test_templates_the_readme_names_are_seeded(name: str) -> None:
    from airflow_provider_whatsapp.sandbox.seeds import seed_definitions

    assert name in (ROOT / "README.md").read_text()
    assert name in [definition["name"] for definition in seed_definitions("docs")]
