"""A thread-safe token bucket: the gateway's per-key request rate limit."""

from __future__ import annotations

import math
import threading
import time


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; ``take()`` answers 0 or the seconds to wait."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(max(burst, 1))
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take one token if there is one (answer 0.0), else answer how long until one is there."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate


def retry_after_seconds(wait: float) -> int:
    """``Retry-After`` as whole seconds: rounded up, at least 1."""
    return max(1, math.ceil(wait))
