"""Where the delivery ledger lives: a database reached through an Airflow connection, or a SQLite file.

The provider settings (``[whatsapp]`` in Airflow's config) choose the default: ``ledger_conn_id``, any
SQL connection (PostgreSQL for workers on several machines), else ``ledger_sqlite_path``, else
``$AIRFLOW_HOME/whatsapp_ledger.sqlite`` (enough when a task's retries run on the same machine).
An operator's ``ledger_conn_id`` wins over both. Engines are made once per process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseHook, conf
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext

if TYPE_CHECKING:
    from airflow.providers.common.sql.hooks.sql import DbApiHook

SECTION = "whatsapp"
SQLITE_FILE = "whatsapp_ledger.sqlite"
#: Seconds a SQLite writer waits for another process's transaction (parallel tasks on one machine).
SQLITE_BUSY_SECONDS = 30

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def ledger_engine(conn_id: str | None = None) -> Engine:
    """The engine of the ledger for ``conn_id``, or for the provider settings when it is None."""
    conn_id = conn_id or conf.get(SECTION, "ledger_conn_id", fallback="") or None
    key = f"conn:{conn_id}" if conn_id else f"sqlite:{_sqlite_path()}"
    with _lock:
        if key not in _engines:
            _engines[key] = _from_connection(conn_id) if conn_id else _sqlite(_sqlite_path())
        return _engines[key]


def _sqlite_path() -> Path:
    configured = conf.get(SECTION, "ledger_sqlite_path", fallback="")
    home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return Path(configured or Path(home) / SQLITE_FILE).expanduser()


def _sqlite(path: Path) -> Engine:
    """SQLite in WAL mode: one writer at a time, readers never blocked; a committed transaction
    survives the process being killed (``synchronous=NORMAL``; a power cut may lose the last ones)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _roll_back_when_stopped(context: ExceptionContext) -> None:
        """A task's timeout raised inside a statement (a BaseException) is, to SQLAlchemy, a lost
        connection: it closes it without a rollback, and sqlite3 keeps the file's write lock while the
        interrupted statement lives (in the traceback the stop is handling), so the stop's own record
        waits out the busy timeout and fails. SQLite's connection is intact: let the transaction roll back."""
        if not isinstance(context.original_exception, Exception):
            context.is_disconnect = False

    return engine


def _from_connection(conn_id: str) -> Engine:
    """The engine of any SQL Airflow connection, through its provider's ``DbApiHook``."""
    return db_api_hook(conn_id).get_sqlalchemy_engine()


def db_api_hook(conn_id: str) -> DbApiHook:
    """The ``DbApiHook`` of any SQL Airflow connection (its provider chooses the driver)."""
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    hook = BaseHook.get_connection(conn_id).get_hook()  # type: ignore[no-untyped-call]
    if not isinstance(hook, DbApiHook):
        raise TypeError(f"Airflow connection {conn_id!r} is not a SQL database (no DbApiHook)")
    return hook
