"""The delivery ledger's backends under test: a SQLite file, and PostgreSQL through an Airflow connection.

PostgreSQL is the one on 127.0.0.1:5432 (trust auth, database ``test``), which CI machines run; where none
answers, its cases are skipped with the reason. ``.ci/run`` makes them run.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from airflow_provider_whatsapp.delivery import storage
from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
from airflow_provider_whatsapp.delivery.rows import TaskKey

POSTGRES_URI = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_CONN_ID = "whatsapp_ledger_postgres"


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


needs_postgres = pytest.mark.skipif(
    not postgres_reachable(), reason="no PostgreSQL on 127.0.0.1:5432 (CI runs one: bash .ci/run)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def ledger_engine(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The engine ``storage.ledger_engine`` gives for each backend, as a user configures it."""
    if request.param == "sqlite":
        monkeypatch.setenv("AIRFLOW__WHATSAPP__LEDGER_SQLITE_PATH", str(tmp_path / "ledger.sqlite"))
        return storage.ledger_engine()
    monkeypatch.setenv(f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}", POSTGRES_URI)
    return storage.ledger_engine(POSTGRES_CONN_ID)


LedgerFactory = Callable[[int], DeliveryLedger]


@pytest.fixture
def make_ledger(ledger_engine: Engine) -> LedgerFactory:
    """Ledgers of one new task instance (a run id of its own), for the try given."""
    key = TaskKey("test_dag", f"test__{uuid.uuid4().hex}", "send", -1)
    return lambda try_number: DeliveryLedger(ledger_engine, key, try_number)
