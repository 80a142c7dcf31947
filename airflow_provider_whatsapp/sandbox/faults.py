"""Fault injection: per-key settings, the outcome of each request, and cutting the TCP connection.

Outcomes: ``ok``, ``500``, ``502``, ``503``, ``429``, ``drop`` (connection closed before the request is
processed), ``lost`` (processed and stored, then the connection is closed before any byte of the answer)
and ``slow:<ms>``. A ``script`` is consumed first, one outcome per gateway or control-plane request;
after it, outcomes are drawn from the rates with the key's seeded random generator.
"""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from .config import FaultDefaults

SIMPLE_OUTCOMES = frozenset({"ok", "500", "502", "503", "429", "drop", "lost"})
_SLOW = re.compile(r"^slow:(\d+(?:\.\d+)?)$")
_RATE_FIELDS = ("error_rate", "rate_limit_rate", "drop_rate", "lost_response_rate")
#: The most latency a fault may add to a request (a longer one only hangs the client).
MAX_LATENCY_MS = 60_000.0


def check_outcome(outcome: object) -> str:
    """Answer ``outcome`` if it is a known script step, else raise ValueError naming it."""
    if isinstance(outcome, str) and outcome in SIMPLE_OUTCOMES:
        return outcome
    delay = slow_ms(outcome) if isinstance(outcome, str) else None
    if delay is not None and delay <= MAX_LATENCY_MS:
        return str(outcome)
    raise ValueError(
        f"unknown fault outcome {outcome!r}: use ok, 500, 502, 503, 429, drop, lost, slow:<ms> "
        f"(at most {MAX_LATENCY_MS:.0f} ms)"
    )


def slow_ms(outcome: str) -> float | None:
    """The delay of a ``slow:<ms>`` outcome, else None."""
    match = _SLOW.match(outcome)
    return float(match.group(1)) if match else None


@dataclass
class FaultSettings:
    """One key's faults: its rates and latency, what is left of its script, and its seeded generator.

    ``next_outcome`` is called once per gateway/control request.
    """

    rates: FaultDefaults = field(default_factory=FaultDefaults)
    script: deque[str] = field(default_factory=deque)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def from_defaults(cls, defaults: FaultDefaults) -> FaultSettings:
        """Settings from the server-wide CLI defaults."""
        return cls(rates=defaults, rng=random.Random(defaults.seed))

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> FaultSettings:
        """Settings from a ``PUT /_sandbox/faults`` body; omitted fields are 0 / empty.

        Raises ValueError naming the first bad field.
        """
        unknown = set(body) - {"latency_ms", "seed", "script", *_RATE_FIELDS}
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        numbers: dict[str, float] = {}
        for name in ("latency_ms", *_RATE_FIELDS):
            value = body.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
            if name != "latency_ms" and value > 1:
                raise ValueError(f"{name} must be between 0 and 1")
            if name == "latency_ms" and value > MAX_LATENCY_MS:
                raise ValueError(f"latency_ms must be at most {MAX_LATENCY_MS:.0f} (a minute)")
            numbers[name] = float(value)
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer or null")
        script = body.get("script", [])
        if not isinstance(script, list):
            raise ValueError("script must be a list of outcomes")
        return cls(
            rates=FaultDefaults(**numbers, seed=seed),
            script=deque(check_outcome(step) for step in script),
            rng=random.Random(seed),
        )

    def to_json(self) -> dict[str, Any]:
        """The settings as the admin API shows them (``script`` is what is left of it)."""
        return {**asdict(self.rates), "script": list(self.script)}

    @property
    def random_faults(self) -> bool:
        """Whether any random fault can happen (the fast path skips the generator when not)."""
        return any(getattr(self.rates, name) for name in _RATE_FIELDS)

    def next_outcome(self) -> str:
        """The outcome of the next request: the next script step, else one drawn from the rates."""
        if self.script:
            return self.script.popleft()
        if not self.random_faults:
            return "ok"
        draw = self.rng.random()
        for outcome, rate in (
            ("drop", self.rates.drop_rate),
            ("lost", self.rates.lost_response_rate),
            ("5xx", self.rates.error_rate),
            ("429", self.rates.rate_limit_rate),
        ):
            if draw < rate:
                return self.rng.choice(("500", "502", "503")) if outcome == "5xx" else outcome
            draw -= rate
        return "ok"


def cut_connection(send: Any) -> None:
    """Close the client's TCP connection at once, without sending anything (the drop and lost faults).

    ASGI has no portable way to do this, so it reaches uvicorn's request cycle, whose bound ``send`` this
    is when called from the outermost layer of the app: its ``transport`` is aborted, and the cycle is
    marked disconnected so that uvicorn neither answers a 500 nor logs an error. Under another server this
    raises, which still ends the connection without the answer.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("sandbox fault injection needs uvicorn to cut the connection")
    cycle.disconnected = True  # type: ignore[union-attr]
    transport.abort()
