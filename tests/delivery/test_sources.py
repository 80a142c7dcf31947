"""Recipients as DAG authors have them: lists, dicts, CSV and JSONL files, local or through object storage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import ObjectStoragePath

from airflow_provider_whatsapp.delivery.sources import Recipient, read_recipients
from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

ALICE, BOB = "+31612345678", "+31687654321"


def test_numbers_and_dicts() -> None:
    assert list(read_recipients([ALICE, 31687654321])) == [
        Recipient(0, ALICE, {"to": ALICE}),
        Recipient(1, "31687654321", {"to": 31687654321}),
    ]
    rows = [{"phone": BOB, "name": "Bob"}, {"name": "nobody"}, {"phone": "", "name": "empty"}]
    assert [(r.seq, r.number, r.values["name"]) for r in read_recipients(rows, recipient_key="phone")] == [
        (0, BOB, "Bob"),
        (1, None, "nobody"),
        (2, None, "empty"),
    ]
    assert [r.number for r in read_recipients(f"{ALICE}; {BOB}")] == [ALICE, BOB]


def test_csv_and_jsonl_files_are_read_as_streams(tmp_path: Path) -> None:
    csv_file = tmp_path / "audience.csv"
    csv_file.write_text(f"to,name\n{ALICE},Alice\n{BOB},Bob\n")
    jsonl = tmp_path / "audience.jsonl"
    jsonl.write_text(json.dumps({"to": ALICE, "order": 7}) + "\n\n" + json.dumps({"to": BOB}) + "\n")

    from_csv = read_recipients(str(csv_file))
    assert next(from_csv) == Recipient(0, ALICE, {"to": ALICE, "name": "Alice"})  # a generator: read lazily
    assert [r.values["name"] for r in from_csv] == ["Bob"]
    assert [(r.number, r.values.get("order")) for r in read_recipients(jsonl)] == [(ALICE, 7), (BOB, None)]
    storage = ObjectStoragePath(f"file://{jsonl}")
    assert [r.number for r in read_recipients(storage)] == [ALICE, BOB]
    assert [r.number for r in read_recipients(f"file://{csv_file}")] == [ALICE, BOB]


@pytest.mark.parametrize(("line", "rule"), [("not json", "is not JSON"), ("[1, 2]", "must be a JSON object")])
def test_a_bad_jsonl_line_is_named(tmp_path: Path, line: str, rule: str) -> None:
    jsonl = tmp_path / "audience.jsonl"
    jsonl.write_text(json.dumps({"to": ALICE}) + "\n" + line + "\n")
    with pytest.raises(WhatsAppValidationError, match=f"recipients line 2: {rule}"):
        list(read_recipients(jsonl))


@pytest.mark.parametrize("source", [{"to": ALICE}, 3.5, None])
def test_what_is_no_audience_is_refused(source: Any) -> None:
    with pytest.raises(WhatsAppValidationError, match="recipients"):
        list(read_recipients(source))


def test_a_rendered_list_of_dicts_is_read_back() -> None:
    """``"{{ dag_run.conf['recipients'] }}"`` renders a list of dicts to its literal."""
    rendered = str([{"to": ALICE, "name": "Alice"}, {"to": BOB, "name": "Bob"}])
    assert [(r.number, r.values["name"]) for r in read_recipients(rendered)] == [
        (ALICE, "Alice"),
        (BOB, "Bob"),
    ]
    with pytest.raises(WhatsAppValidationError, match="not a list of recipients"):
        list(read_recipients("[{'to': "))
