"""Shared fixtures: one sandbox server per test session, and a fresh sandbox key per test.

Airflow reads ``AIRFLOW_HOME`` once, when first imported, so it is pointed at a temporary directory
here, before any test module imports Airflow: tests never touch ``~/airflow``.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if "WHATSAPP_TESTS_AIRFLOW_HOME" not in os.environ:
    os.environ["WHATSAPP_TESTS_AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="whatsapp-airflow-home-")
    os.environ.update(
        {
            "AIRFLOW_HOME": os.environ["WHATSAPP_TESTS_AIRFLOW_HOME"],
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(Path(__file__).resolve().parents[1] / "example_dags"),
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        }
    )

import pytest
import requests
from hypothesis import settings

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

pytest_plugins = ["tests.airflow_fixtures"]

# Tests never fail on wall-clock time: no per-example deadline (a loaded machine is slow, not wrong).
settings.register_profile("project", deadline=None)
settings.load_profile("project")


#: Sandbox seconds a new template of the shared sandbox stays PENDING: ``advance_clock`` ends the review.
REVIEW_DELAY = 0.5


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The sandbox on a free loopback port; templates are reviewed after ``REVIEW_DELAY``, connections
    activate only when their url is opened. Default rate limit (10 requests/s, burst 10) and no faults."""
    config = SandboxConfig(template_approval_delay=REVIEW_DELAY, activation_delay=None)
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def sandbox_key(sandbox: SandboxServer) -> dict[str, Any]:
    """A new key with one ACTIVE connection, so tests never see each other's state:
    ``{"api_key", "connection_id", "waba_id", "phone_number_id", "display_phone_number", "base_url"}``."""
    answer = requests.post(f"{sandbox.url}/_sandbox/keys", json={}, timeout=10)
    answer.raise_for_status()
    return {**answer.json(), "base_url": sandbox.url}


@pytest.fixture
def sandbox_admin(sandbox_key: dict[str, Any]) -> SandboxAdminClient:
    """The sandbox's admin API for the test's key: what was sent, customers writing in, faults."""
    return SandboxAdminClient(sandbox_key["base_url"], sandbox_key)


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback URL that refuses connections: its port is bound, so no other process can take it,
    but nothing listens on it."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"
