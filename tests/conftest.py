"""Shared fixtures: one sandbox server per test session, and a fresh sandbox key per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The sandbox on a free loopback port; templates are reviewed after 0.5 s, connections activate
    only when their url is opened. Default rate limit (10 requests/s, burst 10) and no faults."""
    with SandboxServer(SandboxConfig(template_approval_delay=0.5, activation_delay=None)) as server:
        yield server


@pytest.fixture
def sandbox_key(sandbox: SandboxServer) -> dict[str, Any]:
    """A new key with one ACTIVE connection, so tests never see each other's state:
    ``{"api_key", "connection_id", "waba_id", "phone_number_id", "display_phone_number", "base_url"}``."""
    answer = requests.post(f"{sandbox.url}/_sandbox/keys", json={}, timeout=10)
    answer.raise_for_status()
    return {**answer.json(), "base_url": sandbox.url}
