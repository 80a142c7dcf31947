"""The sandbox's sense of time: a source (real time unless a test gives another) moved forward on demand.

Every business rule that depends on time reads ``SandboxClock.now``: the 24-hour window, template review
and edit limits, connection activation, timestamps. ``POST /_sandbox/clock`` advances it, so tests prove
what happens a day later without waiting a day. The rate limiter alone keeps real monotonic time: it
paces real requests.
"""

from __future__ import annotations

import math
from collections.abc import Callable

#: How far the clock may move in all: far enough for any test, near enough for dates to stay dates.
MAX_OFFSET_SECONDS = 100 * 365 * 24 * 3600.0


class SandboxClock:
    """``source()`` plus how far ``advance`` has moved it; never goes back."""

    def __init__(self, source: Callable[[], float], offset: float = 0.0) -> None:
        self.source = source
        self.offset = offset

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        return self.source() + self.offset

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (finite, not negative), else ValueError."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ValueError("advance_seconds must be a number")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("advance_seconds must be a finite number >= 0: the clock never goes back")
        if self.offset + seconds > MAX_OFFSET_SECONDS:
            raise ValueError("advance_seconds: the clock moves at most 100 years in all")
        self.offset += float(seconds)
