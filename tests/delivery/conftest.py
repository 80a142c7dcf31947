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
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError

from airflow_provider_whatsapp.delivery import storage
from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
from airflow_provider_whatsapp.delivery.rows import TaskKey

POSTGRES_URI = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_CONN_ID = "whatsapp_ledger_postgres"


def postgres_missing() -> str | None:
    """Why the tests cannot use PostgreSQL here, or None: a server must answer and take the login."""
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return "no PostgreSQL on 127.0.0.1:5432 (CI runs one: bash .ci/run)"
    engine = create_engine(POSTGRES_URI, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            return None
    except SQLAlchemyError as error:
        return f"PostgreSQL on 127.0.0.1:5432 refuses {POSTGRES_URI} ({type(error.orig or error).__name__})"
    finally:
        engine.dispose()


_WHY_NO_POSTGRES = postgres_missing()
needs_postgres = pytest.mark.skipif(_WHY_NO_POSTGRES is not None, reason=_WHY_NO_POSTGRES or "")


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
