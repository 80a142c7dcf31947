"""What ``make demo`` prints of what was sent: each message as its recipient reads it, templates with
their parameters filled in, numbers masked, and where to look next (the inbox first)."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from rich.console import Console

DEMO = Path(__file__).resolve().parents[1] / "scripts" / "demo.py"


@pytest.fixture(scope="module")
def demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_script", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_script"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def stored(kind: str, part: dict[str, Any], wa_id: str = "31612345678", **extra: Any) -> dict[str, Any]:
    """A message as ``GET /_sandbox/messages`` lists it."""
    return {"type": kind, "wa_id": wa_id, "timestamp": 1, "body": {"type": kind, kind: part}, **extra}


def test_a_template_is_shown_with_its_parameters_filled_in(demo: ModuleType) -> None:
    message = stored(
        "template",
        {"name": "order_confirmation"},
        template_text="Order confirmed\n Hi Alex, thank you for your order A-1042!",
    )
    assert (
        demo.describe(message)
        == "template order_confirmation: Order confirmed Hi Alex, thank you for your order A-1042!"
    )


def test_files_texts_and_long_lines_read_as_the_recipient_sees_them(demo: ModuleType) -> None:
    document = stored("document", {"id": "42", "filename": "report.pdf", "caption": "April"})
    assert demo.describe(document) == "document: report.pdf - April"
    assert demo.describe(stored("image", {"id": "42"})) == "image: 42"
    long = demo.describe(stored("text", {"body": "x" * 500}))
    assert len(long) == 120
    assert long.endswith("...")


def test_the_summary_masks_numbers_and_points_at_the_inbox(
    demo: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = io.StringIO()
    monkeypatch.setattr(demo, "console", Console(file=out, width=200, highlight=False))
    run = demo.DagRun("whatsapp_pipeline_alerts", key=None, ok=True, seconds=1.5)
    run.messages = [stored("text", {"body": "Pipeline done"})]
    demo.summary([run], [], 3.0, "http://127.0.0.1:9999")
    printed = " ".join(out.getvalue().split())  # rich wraps a table's title to the table's width
    assert "+31******678 received 1 message(s)" in printed
    assert "31612345678" not in printed
    assert "Pipeline done" in printed
    assert "http://127.0.0.1:9999/ (one account per DAG" in printed
