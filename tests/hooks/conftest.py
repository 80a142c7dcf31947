"""Hooks under test talk to the sandbox over loopback HTTP, configured through an Airflow connection."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

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


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def use_proxy(
    monkeypatch: pytest.MonkeyPatch, url: str, *, scheme: str = "http", no_proxy: str | None = None
) -> None:
    """Only ``{scheme}_proxy`` (both spellings) points at ``url``; ``NO_PROXY`` is ``no_proxy`` or unset;
    no other proxy variable of the machine's environment is left to change the route."""
    for name in PROXY_VARIABLES:
        for spelling in (name, name.upper()):
            monkeypatch.delenv(spelling, raising=False)
    for spelling in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
        monkeypatch.setenv(spelling, url)
    if no_proxy is not None:
        for spelling in ("no_proxy", "NO_PROXY"):
            monkeypatch.setenv(spelling, no_proxy)
