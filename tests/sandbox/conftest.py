"""Fixtures of the sandbox's own tests: a second server without rate limit, and a small client.

The server's clock stands still (``FROZEN``): only a test's ``advance`` moves the sandbox's time, so no
test depends on how fast the machine runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer

VERSION = "v21.0"
REVIEW_DELAY = 1.5
FROZEN = 1_750_000_000.0  # 2025-06-15T15:06:40Z: the clock source of the tests' servers


def frozen_clock() -> float:
    """A clock source that never moves by itself."""
    return FROZEN


@dataclass
class Client:
    """One sandbox key over real loopback HTTP: ``gateway`` for Graph paths, ``admin`` for ``/_sandbox``."""

    base_url: str
    api_key: str
    waba_id: str
    phone_number_id: str
    connection_id: str | None
    session: requests.Session

    @property
    def auth(self) -> dict[str, str]:
        """The Bearer header of this key."""
        return {"Authorization": f"Bearer {self.api_key}"}

    def gateway(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``/whatsapp-business/v21.0/<path>`` with this key."""
        headers = {**self.auth, **kwargs.pop("headers", {})}
        url = f"{self.base_url}/whatsapp-business/{VERSION}/{path}"
        return self.session.request(method, url, headers=headers, timeout=kwargs.pop("timeout", 10), **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``/connections<path>`` with this key (``headers`` are added to its Bearer header)."""
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return self.session.request(
            method, f"{self.base_url}/connections{path}", headers=headers, timeout=10, **kwargs
        )

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``/_sandbox/<path>`` with this key (``headers`` are added to its Bearer header)."""
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return self.session.request(
            method, f"{self.base_url}/_sandbox/{path}", headers=headers, timeout=10, **kwargs
        )

    def send(self, message: dict[str, Any], to: str = "+31612345678", **kwargs: Any) -> requests.Response:
        """POST a message body (``messaging_product``, ``recipient_type`` and ``to`` added)."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        return self.gateway("POST", f"{self.phone_number_id}/messages", json=body, **kwargs)

    def inbound(self, sender: str = "+31612345678", text: str = "hi") -> str:
        """Simulate a customer message (opens the window); answers its wamid."""
        answer = self.admin("POST", "inbound", json={"from": sender, "text": text})
        answer.raise_for_status()
        message_id: str = answer.json()["message_id"]
        return message_id

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the server's clock forward (``POST /_sandbox/clock``)."""
        answer = self.admin("POST", "clock", json={"advance_seconds": seconds})
        assert answer.status_code == 200, answer.text
        clock: dict[str, Any] = answer.json()
        return clock

    def connections(self) -> list[dict[str, Any]]:
        """This key's Maton connections."""
        data: list[dict[str, Any]] = self.control("GET", "").json()["connections"]
        return data

    def messages(self) -> list[dict[str, Any]]:
        """The stored messages of this key."""
        data: list[dict[str, Any]] = self.admin("GET", "messages").json()["data"]
        return data


def new_client(base_url: str, **key_options: Any) -> Client:
    """A client of a fresh key on the server at ``base_url``."""
    info = requests.post(f"{base_url}/_sandbox/keys", json=key_options, timeout=10).json()
    return Client(
        base_url,
        info["api_key"],
        info["waba_id"],
        info["phone_number_id"],
        info["connection_id"],
        requests.Session(),
    )


@pytest.fixture(scope="session")
def unlimited_sandbox() -> Iterator[SandboxServer]:
    """A server without rate limit, for tests that make many requests, on a frozen clock: templates are
    reviewed when a test advances it by REVIEW_DELAY."""
    config = SandboxConfig(rate_limit=0, template_approval_delay=REVIEW_DELAY, clock=frozen_clock)
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def client(unlimited_sandbox: SandboxServer) -> Iterator[Client]:
    """A fresh key with one ACTIVE connection on the unlimited server."""
    made = new_client(unlimited_sandbox.url)
    yield made
    made.session.close()
