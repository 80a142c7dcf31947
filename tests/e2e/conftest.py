"""Airflow for in-process DAG runs (``dag.test()``) against the sandbox, and helpers to inspect the sandbox.

The root conftest points ``AIRFLOW_HOME`` at a temporary directory (DAGs folder ``example_dags/``)
before Airflow is imported; ``airflow_home`` migrates its SQLite database once per session.

Other test directories reuse these fixtures with ``from tests.e2e.conftest import ...`` (pytest's
``pythonpath`` puts the repository on ``sys.path``); a marker file keeps the migration to one run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

CONN_ENV = "AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT"


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The session's ``AIRFLOW_HOME`` with ``airflow db migrate`` run on its SQLite database (once)."""
    home = Path(os.environ["AIRFLOW_HOME"])
    marker = home / ".migrated"
    if not marker.exists():
        airflow = str(Path(sys.executable).parent / "airflow")
        subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True, env=dict(os.environ))
        marker.touch()
    return home


def connection_json(key: dict[str, Any], *, api_key: str | None = None) -> str:
    """The ``maton_whatsapp`` Airflow connection for a sandbox key, as ``AIRFLOW_CONN_...`` JSON."""
    return json.dumps(
        {
            "conn_type": "maton_whatsapp",
            "host": key["base_url"],
            "password": api_key or key["api_key"],
            "extra": {"phone_number_id": key["phone_number_id"], "waba_id": key["waba_id"]},
        }
    )


@pytest.fixture
def maton_connection(sandbox_key: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """``maton_whatsapp_default`` points at a fresh sandbox key (through the environment, as in prod)."""
    monkeypatch.setenv(CONN_ENV, connection_json(sandbox_key))
    return sandbox_key


class SandboxAdmin:
    """The sandbox's admin API for one key: what was sent, customers writing, reviews, OAuth clicks."""

    def __init__(self, key: dict[str, Any]) -> None:
        self.url = key["base_url"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key['api_key']}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One admin or control-plane request; the JSON answer."""
        answer = self.session.request(method, f"{self.url}{path}", timeout=10, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def messages(self) -> list[dict[str, Any]]:
        """Every message the sandbox stored for this key, oldest first."""
        data: list[dict[str, Any]] = self.call("GET", "/_sandbox/messages")["data"]
        return data

    def inbound(self, number: str, text: str = "hi") -> str:
        """The customer at ``number`` writes (opens the 24-hour window); the inbound wamid."""
        message_id: str = self.call("POST", "/_sandbox/inbound", json={"from": number, "text": text})[
            "message_id"
        ]
        return message_id

    def connections(self, status: str | None = None) -> list[dict[str, Any]]:
        """The key's Maton connections."""
        params = {"status": status} if status else {}
        found: list[dict[str, Any]] = self.call("GET", "/connections", params=params)["connections"]
        return found

    def templates(self, waba_id: str) -> list[dict[str, Any]]:
        """The key's message templates (first page)."""
        path = f"/whatsapp-business/v21.0/{waba_id}/message_templates"
        found: list[dict[str, Any]] = self.call("GET", path)["data"]
        return found


@pytest.fixture
def sandbox_admin(sandbox_key: dict[str, Any]) -> SandboxAdmin:
    """Admin access to the test's sandbox key."""
    return SandboxAdmin(sandbox_key)


class PendingConnectionWatcher:
    """A background user who acts on each new PENDING connection: opens its OAuth url, or fails it."""

    def __init__(self, admin: SandboxAdmin, action: str = "open") -> None:
        self.admin, self.action = admin, action
        self.handled: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="oauth-user", daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            for connection in self.admin.connections("PENDING"):
                if connection["connection_id"] in self.handled:
                    continue
                time.sleep(0.5)  # let the sensor see PENDING first
                if self.action == "open":
                    requests.get(connection["url"], timeout=10).raise_for_status()
                else:
                    self.admin.call("POST", f"/_sandbox/connections/{connection['connection_id']}/fail")
                self.handled.append(connection["connection_id"])

    def __enter__(self) -> PendingConnectionWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def oauth_user(sandbox_admin: SandboxAdmin) -> Iterator[PendingConnectionWatcher]:
    """Opens the OAuth url of every PENDING connection shortly after it appears."""
    with PendingConnectionWatcher(sandbox_admin) as watcher:
        yield watcher


@pytest.fixture
def oauth_refused(sandbox_admin: SandboxAdmin) -> Iterator[PendingConnectionWatcher]:
    """Makes every PENDING connection FAILED shortly after it appears (the OAuth went wrong)."""
    with PendingConnectionWatcher(sandbox_admin, action="fail") as watcher:
        yield watcher


@pytest.fixture
def wrong_maton_key(maton_connection: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """``maton_whatsapp_default`` carries a key the gateway refuses (401)."""
    monkeypatch.setenv(CONN_ENV, connection_json(maton_connection, api_key="wrong-key"))
