"""Settings of one sandbox server: keys, delays, business rules, rate limit and default faults."""

from __future__ import annotations

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
    ``rate_limit`` 0 disables the per-key token bucket.
    """

    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    activation_delay: float | None = None
    template_approval_delay: float = 2.0
    enforce_window: bool = True
    rate_limit: float = 10.0
    burst: int = 10
    faults: FaultDefaults = field(default_factory=FaultDefaults)
