"""Which ledger rows a send task reads and writes: its own (DAG, run, task, map index), in the ledger its
``ledger_conn_id`` names, from the number its ``phone_number_id`` names."""

from __future__ import annotations

import copy
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator, WhatsAppSendTextOperator
from tests.task_instance import RecordingTI

ALICE = "+31612345678"


def variant(ti: RecordingTI, **changes: Any) -> RecordingTI:
    """The same task instance but for ``changes``, with nothing pushed yet."""
    other = copy.copy(ti)
    other.pushed = {}
    vars(other).update(changes)
    return other


def test_each_part_of_the_task_instance_key_has_rows_of_its_own(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    """The same message to the same number is sent once per DAG, run, task and map index, and a
    later try of any of them sends nothing again; an unmapped task's map index may read None or -1."""
    op = WhatsAppSendTemplateOperator(task_id="t", to=ALICE, template_name="hello_world")
    first = RecordingTI()
    instances = [
        first,
        variant(first, dag_id="other_dag"),
        variant(first, run_id=f"{first.run_id}_other"),
        variant(first, task_id="other_task"),
        variant(first, map_index=3),
    ]
    for ti in instances:
        op.execute(ti.context())
    assert len(sandbox_admin.messages()) == len(instances)

    for ti in [*instances, variant(first, map_index=None)]:
        again = variant(ti, try_number=2)
        op.execute(again.context())
        assert [line["status"] for line in again.pushed["report"]] == ["sent"]
    assert len(sandbox_admin.messages()) == len(instances), "nothing sent twice"


def test_the_ledger_is_the_one_ledger_conn_id_names(
    maton_connection: dict[str, Any], sandbox_admin: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection id of its own: the provider keeps one engine per ledger connection per process."""
    database, conn_id = tmp_path / "campaigns.db", f"campaign_ledger_{uuid.uuid4().hex}"
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "sqlite", "host": str(database)})
    )
    op = WhatsAppSendTemplateOperator(
        task_id="t", to=ALICE, template_name="hello_world", ledger_conn_id=conn_id
    )
    op.execute(RecordingTI().context())
    with sqlite3.connect(database) as ledger:
        [(state, wamid)] = ledger.execute("SELECT state, wamid FROM whatsapp_deliveries").fetchall()
    [stored] = sandbox_admin.messages()
    assert (state, wamid) == ("sent", stored["id"])


def test_the_message_goes_from_the_number_phone_number_id_names(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    sandbox_admin.inbound(ALICE)
    elsewhere = WhatsAppSendTextOperator(task_id="t", to=ALICE, text="x", phone_number_id="100000000000999")
    ti = RecordingTI()
    with pytest.raises(AirflowFailException):
        elsewhere.execute(ti.context())
    [line] = ti.pushed["report"]
    assert line["status"] == "failed"
    assert sandbox_admin.messages() == [], "the key has no such number: nothing was sent from another"
