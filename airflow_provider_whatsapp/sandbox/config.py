"""Settings of one sandbox server: keys, delays, business rules, rate limit and default faults."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_API_KEY = "sandbox-key"


@dataclass(frozen=True)
class FaultDefaults:
    """Latency and fault rates of gateway and control-plane requests (0 disables each): the CLI's
    defaults for every key, and each key's own settings."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    drop_rate: float = 0.0
    lost_response_rate: float = 0.0
    seed: int | None = None


@dataclass(frozen=True)
class SandboxConfig:
    """Everything the CLI flags set; tests build one directly.

    ``activation_delay`` None means a PENDING connection turns ACTIVE only when its url is opened.
    ``rate_limit`` 0 disables the per-key token bucket. ``clock`` is the source of the sandbox's time
    (seconds since the epoch; ``POST /_sandbox/clock`` moves it forward): a test may pass a fixed one, so
    that only its own advances move time.
    """

    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    activation_delay: float | None = None
    template_approval_delay: float = 2.0
    enforce_window: bool = True
    rate_limit: float = 10.0
    burst: int = 10
    faults: FaultDefaults = field(default_factory=FaultDefaults)
    clock: Callable[[], float] = field(default=time.time, compare=False)


def airflow_connection_json(base_url: str, api_key: str, waba_id: str, phone_number_id: str) -> str:
    """A ``maton_whatsapp`` Airflow connection to a sandbox and key, as ``AIRFLOW_CONN_...`` JSON."""
    extra = {"phone_number_id": phone_number_id, "waba_id": waba_id}
    return json.dumps({"conn_type": "maton_whatsapp", "host": base_url, "password": api_key, "extra": extra})
