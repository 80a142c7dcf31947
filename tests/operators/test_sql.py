"""SqlToWhatsAppOperator: the audience straight from a SQL connection (SQLite, and PostgreSQL where one
runs), every column a value of the message, rows streamed so that memory stays flat."""

from __future__ import annotations

import sqlite3
import tracemalloc
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG
from sqlalchemy import create_engine, text

from airflow_provider_whatsapp.operators import SqlToWhatsAppOperator
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.delivery.conftest import POSTGRES_URI, needs_postgres
from tests.task_instance import RecordingTI

MESSAGE = {"type": "text", "text": {"body": "Hi {{ first_name }}, order {{ order_id }} is ready"}}


def customers_db(path: Path, rows: int) -> str:
    """A SQLite file with ``rows`` customers; its Airflow connection URI."""
    with sqlite3.connect(path) as db:
        db.execute("create table customers (phone text, first_name text, order_id text, active int)")
        db.executemany(
            "insert into customers values (?, ?, ?, ?)",
            ((f"+3163{n:07d}1", f"F{n}", f"O-{n}", n % 2) for n in range(rows)),
        )
    return f"sqlite:///{path}"


def operator(sql: str, conn_id: str, **kwargs: Any) -> SqlToWhatsAppOperator:
    with DAG("sql_campaign", schedule=None, start_date=datetime(2025, 1, 1)):
        return SqlToWhatsAppOperator(
            task_id="send",
            sql=sql,
            sql_conn_id=conn_id,
            recipient_column="phone",
            message=MESSAGE,
            hook_params={"requests_per_second": 0},
            **kwargs,
        )


def test_each_row_gets_its_message_with_its_columns(
    unlimited_admin: SandboxAdminClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_CUSTOMERS_DB", customers_db(tmp_path / "customers.sqlite", 6))
    op = operator(
        "select * from customers where active = :active order by order_id",
        "customers_db",
        parameters={"active": 1},
        fetch_size=2,
    )
    summary = op.execute({"ti": RecordingTI(), "dag": op.dag})  # type: ignore[arg-type]

    assert summary["sent"] == 3
    stored = sorted((m["wa_id"], m["body"]["text"]["body"]) for m in unlimited_admin.messages())
    assert stored == [(f"3163{n:07d}1", f"Hi F{n}, order O-{n} is ready") for n in (1, 3, 5)]


@needs_postgres
def test_a_postgres_query_read_in_several_fetches_reaches_every_row(
    unlimited_admin: SandboxAdminClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """25 rows fetched 10 at a time from a real PostgreSQL: every row, once, with its values."""
    table = f"customers_{uuid.uuid4().hex[:8]}"
    engine = create_engine(POSTGRES_URI)
    rows = [{"phone": f"+31630{n:06d}1", "first_name": f"P{n}", "order_id": f"O-{n}"} for n in range(25)]
    with engine.begin() as conn:
        conn.execute(text(f"create table {table} (phone text, first_name text, order_id text)"))
        conn.execute(text(f"insert into {table} values (:phone, :first_name, :order_id)"), rows)
    try:
        monkeypatch.setenv("AIRFLOW_CONN_CUSTOMERS_PG", POSTGRES_URI)
        op = operator(f"select * from {table} order by order_id", "customers_pg", fetch_size=10)
        assert op.execute({"ti": RecordingTI(), "dag": op.dag})["sent"] == 25  # type: ignore[arg-type]
        stored = sorted((m["wa_id"], m["body"]["text"]["body"]) for m in unlimited_admin.messages())
        assert stored == sorted(
            (r["phone"][1:], f"Hi {r['first_name']}, order {r['order_id']} is ready") for r in rows
        )
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop table {table}"))


def planning_peak(tmp_path: Path, rows: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Peak Python memory while planning ``rows`` rows (rendered, checked, written to the ledger)."""
    monkeypatch.setenv("AIRFLOW_CONN_CUSTOMERS_DB", customers_db(tmp_path / f"c{rows}.sqlite", rows))
    op = operator("select * from customers", "customers_db", fetch_size=500)
    ti = RecordingTI()
    ledger = op.open_ledger({"ti": ti})  # type: ignore[arg-type]
    tracemalloc.start()
    try:
        planned = ledger.plan(op.plan({"ti": ti, "dag": op.dag}))  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert planned == rows
    return peak


def test_memory_stays_flat_in_the_number_of_rows(
    unlimited_admin: SandboxAdminClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planning_peak(
        tmp_path, 100, monkeypatch
    )  # first-time costs (imports, compiled statements) out of the way
    small = planning_peak(tmp_path, 1_000, monkeypatch)
    large = planning_peak(tmp_path, 15_000, monkeypatch)
    # Holding the 15,000 rows at once (fetchall, a list of the source...) would take 6 MB more.
    assert large - small < 3 * 2**20, (small, large)
