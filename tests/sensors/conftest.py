"""A sandbox whose template reviews never finish by themselves, so that a test decides when a template
is approved or rejected (``POST /_sandbox/templates/{id}/approve|reject``) instead of racing a timer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.airflow_fixtures import CONN_ENV

A_DAY = 24 * 60 * 60.0


@pytest.fixture(scope="module")
def manual_review_sandbox() -> Iterator[SandboxServer]:
    """A sandbox server where a new template stays PENDING for a day."""
    with SandboxServer(SandboxConfig(template_approval_delay=A_DAY, activation_delay=None)) as server:
        yield server


@pytest.fixture
def manual_review(
    maton_connection: object, manual_review_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> SandboxAdminClient:
    """A fresh key on that server, with ``maton_whatsapp_default`` pointing at it."""
    admin = SandboxAdminClient.new_key(manual_review_sandbox.url)
    monkeypatch.setenv(CONN_ENV, admin.airflow_connection_json())
    return admin
