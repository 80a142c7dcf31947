"""Hooks under test talk to the sandbox over loopback HTTP, configured through an Airflow connection."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from airflow_provider_whatsapp.hooks import MatonWhatsAppHook

HookFactory = Callable[..., MatonWhatsAppHook]


@pytest.fixture
def make_hook(sandbox_key: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> HookFactory:
    """Build hooks on an ``AIRFLOW_CONN_*`` connection to the sandbox; extra fields can be overridden."""
    counter = iter(range(1000))

    def factory(api_key: str | None = None, host: str | None = None, **extra: Any) -> MatonWhatsAppHook:
        conn_id = f"maton_test_{next(counter)}"
        fields = {
            "phone_number_id": sandbox_key["phone_number_id"],
            "waba_id": sandbox_key["waba_id"],
            "requests_per_second": 0,
            "max_retries": 3,
            **extra,
        }
        conn = {
            "conn_type": "maton_whatsapp",
            "host": host or sandbox_key["base_url"],
            "password": sandbox_key["api_key"] if api_key is None else api_key,
            "extra": {k: v for k, v in fields.items() if v is not None},
        }
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return MatonWhatsAppHook(conn_id)

    return factory


@pytest.fixture
def hook(make_hook: HookFactory) -> MatonWhatsAppHook:
    """A hook on a fresh sandbox key with one ACTIVE connection, unpaced and with quick retries."""
    return make_hook()


class SandboxAdmin:
    """The sandbox's admin API for one key: what was stored, faults, inbound messages."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base_url}/_sandbox/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def messages(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "messages")["data"])

    def sent_requests(self, path_suffix: str) -> list[dict[str, Any]]:
        """Gateway requests the sandbox received whose path ends with ``path_suffix``."""
        entries = self.call("GET", "requests")["data"]
        return [entry for entry in entries if str(entry["path"]).endswith(path_suffix)]

    def inbound(self, sender: str, text: str = "hi") -> Any:
        return self.call("POST", "inbound", json={"from": sender, "text": text})

    def faults(self, **settings: Any) -> Any:
        return self.call("PUT", "faults", json=settings)


@pytest.fixture
def admin(sandbox_key: dict[str, Any]) -> SandboxAdmin:
    return SandboxAdmin(sandbox_key["base_url"], sandbox_key["api_key"])
