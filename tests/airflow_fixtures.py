"""Fixtures for tests that run Airflow code against the sandbox (a pytest plugin of the root conftest).

``airflow_home`` migrates the SQLite database of the temporary ``AIRFLOW_HOME`` the root conftest set;
``maton_connection`` points ``maton_whatsapp_default`` at a fresh sandbox key through the environment,
as in production; ``oauth_user`` and ``oauth_refused`` play the person who finishes (or refuses) OAuth.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

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


@pytest.fixture
def maton_connection(
    sandbox_key: dict[str, Any], sandbox_admin: SandboxAdminClient, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """``maton_whatsapp_default`` points at the test's sandbox key."""
    monkeypatch.setenv(CONN_ENV, sandbox_admin.airflow_connection_json())
    return sandbox_key


@pytest.fixture
def wrong_maton_key(
    maton_connection: dict[str, Any], sandbox_admin: SandboxAdminClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``maton_whatsapp_default`` carries a key the gateway refuses (401)."""
    monkeypatch.setenv(CONN_ENV, sandbox_admin.airflow_connection_json(api_key="wrong-key"))


class PendingConnectionWatcher:
    """A background user who acts on each new PENDING connection: opens its OAuth url, or fails it."""

    def __init__(self, admin: SandboxAdminClient, action: str = "open") -> None:
        self.admin, self.action = admin, action
        self.handled: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="oauth-user", daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            for connection in self.admin.connections("PENDING"):
                if connection["connection_id"] in self.handled or not self._read(connection):
                    continue  # acts once the connection was read as PENDING (by the sensor), not before
                if self.action == "open":
                    self.admin.open_oauth_page(connection)
                else:
                    self.admin.fail_connection(connection["connection_id"])
                self.handled.append(connection["connection_id"])

    def _read(self, connection: dict[str, Any]) -> bool:
        """Whether a GET of this connection reached the control plane since it was created."""
        return bool(self.admin.requests_log(f"/connections/{connection['connection_id']}"))

    def __enter__(self) -> PendingConnectionWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def oauth_user(sandbox_admin: SandboxAdminClient) -> Iterator[PendingConnectionWatcher]:
    """Opens the OAuth url of every PENDING connection once something has read it as PENDING."""
    with PendingConnectionWatcher(sandbox_admin) as watcher:
        yield watcher


@pytest.fixture
def oauth_refused(sandbox_admin: SandboxAdminClient) -> Iterator[PendingConnectionWatcher]:
    """Makes every PENDING connection FAILED once it was read as PENDING (the OAuth went wrong)."""
    with PendingConnectionWatcher(sandbox_admin, action="fail") as watcher:
        yield watcher
