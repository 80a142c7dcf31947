"""A sandbox for sending many messages in a test: no per-key rate limit, no 24-hour window."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.airflow_fixtures import CONN_ENV


@pytest.fixture(scope="module")
def unlimited() -> Iterator[SandboxServer]:
    """Sends go as fast as the client goes, and free text reaches every number."""
    with SandboxServer(SandboxConfig(rate_limit=0, enforce_window=False)) as server:
        yield server


@pytest.fixture
def unlimited_admin(unlimited: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxAdminClient:
    """A fresh key of the unlimited sandbox, which ``maton_whatsapp_default`` points at."""
    admin = SandboxAdminClient.new_key(unlimited.url)
    monkeypatch.setenv(CONN_ENV, admin.airflow_connection_json())
    return admin
