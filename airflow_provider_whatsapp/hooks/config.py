"""Gateway settings read from an Airflow connection of type ``maton_whatsapp``.

The password is the Maton API key (empty: ``MATON_API_KEY``); the host is the gateway base URL; extra
fields carry the Maton connection id, default sender, WABA id, Graph version and client limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_whatsapp.constants import (
    DEFAULT_API_VERSION,
    DEFAULT_HOST,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUESTS_PER_SECOND,
    DEFAULT_TIMEOUT,
    GATEWAY_APP,
)
from airflow_provider_whatsapp.exceptions import MatonAuthError

if TYPE_CHECKING:
    from airflow.sdk import Connection

#: Maton's older hosts: the gateway and the control plane used to live on separate names.
LEGACY_GATEWAY_HOST = "gateway.maton.ai"
LEGACY_CONTROL_URL = "https://ctrl.maton.ai"


def _base_url(value: str, *, port: int | None = None) -> str:
    """``api.maton.ai`` or ``https://api.maton.ai/`` -> ``https://api.maton.ai``; keeps http for loopback."""
    value = value.strip().rstrip("/")
    if "://" not in value:
        value = f"https://{value}"
    if port and not urlsplit(value).port:
        value = f"{value}:{port}"
    return value


@dataclass(frozen=True)
class GatewayConfig:
    """Everything the hook needs to talk to the gateway. The key is kept out of ``repr``."""

    api_key: str = field(repr=False)
    base_url: str = DEFAULT_HOST
    control_url: str = DEFAULT_HOST
    connection_id: str | None = None
    phone_number_id: str | None = None
    waba_id: str | None = None
    api_version: str = DEFAULT_API_VERSION
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND

    @property
    def gateway_url(self) -> str:
        """Prefix of every Graph call: ``{base}/whatsapp-business/{version}``."""
        return f"{self.base_url}/{GATEWAY_APP}/{self.api_version}"

    @classmethod
    def from_connection(cls, conn: Connection) -> GatewayConfig:
        """Read the settings of an Airflow connection, falling back to ``MATON_API_KEY`` for the key."""
        extra: dict[str, Any] = conn.extra_dejson or {}
        api_key = conn.password or os.environ.get("MATON_API_KEY", "")
        if not api_key:
            raise MatonAuthError(
                f"No Maton API key: set the password of Airflow connection {conn.conn_id!r} "
                "or the MATON_API_KEY environment variable"
            )
        base_url = _base_url(conn.host or DEFAULT_HOST, port=conn.port)
        control = extra.get("control_url")
        if control:
            control_url = _base_url(str(control))
        elif urlsplit(base_url).hostname == LEGACY_GATEWAY_HOST:
            control_url = LEGACY_CONTROL_URL
        else:
            control_url = base_url
        return cls(
            api_key=api_key,
            base_url=base_url,
            control_url=control_url,
            connection_id=_text(extra.get("connection_id")),
            phone_number_id=_text(extra.get("phone_number_id")),
            waba_id=_text(extra.get("waba_id")),
            api_version=_text(extra.get("api_version")) or DEFAULT_API_VERSION,
            timeout=_number(extra.get("timeout"), DEFAULT_TIMEOUT),
            max_retries=int(_number(extra.get("max_retries"), DEFAULT_MAX_RETRIES)),
            requests_per_second=_number(extra.get("requests_per_second"), DEFAULT_REQUESTS_PER_SECOND),
        )


def _number(value: Any, default: float) -> float:
    """A numeric extra field; empty means the default (0 is a real value: no pacing, no retries)."""
    if value is None or value == "":
        return default
    return float(value)


def _text(value: Any) -> str | None:
    """Extra fields may arrive as numbers (ids) or empty strings from the UI form."""
    if value is None or value == "":
        return None
    return str(value).strip()
