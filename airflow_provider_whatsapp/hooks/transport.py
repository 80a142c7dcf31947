"""HTTP mechanics under the hook: pacing, safe retries and turning error answers into exceptions.

Two retry policies, because a repeated GET is harmless and a repeated message send is not:

* ``IDEMPOTENT`` (GET, DELETE): retry on 429, 5xx, connection errors and timeouts.
* ``SEND`` (POST that creates something): retry only when the request provably was not accepted:
  the connection could not be opened, 429, or a documented transient Graph code. After a read timeout
  or a response cut short, the outcome is unknown: raise :class:`WhatsAppUnknownOutcomeError` instead
  of sending again, unless the caller opted in.

Backoff is exponential with jitter (tenacity) and honours ``Retry-After``.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from airflow_provider_whatsapp.exceptions import (
    MatonNoConnectionError,
    WhatsAppAPIError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
    error_class_for,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Graph codes that mean "not processed, try again later": rate limits and temporary unavailability.
TRANSIENT_CODES = frozenset({2, 4, 80007, 130429, 131016, 131056, 133016})
MAX_RETRY_AFTER_SECONDS = 300.0
EXPIRED_OAUTH_HINT = (
    "a Maton 500 is often an expired OAuth grant: create a new connection at the control plane "
    "(MatonCreateConnectionOperator or POST /connections) and point the Airflow connection at it"
)


class RetryPolicy(enum.Enum):
    """Which failures may be retried for a request."""

    IDEMPOTENT = "idempotent"
    SEND = "send"


class TokenBucket:
    """Thread-safe token bucket: ``acquire()`` blocks until a request may go out at ``rate`` per second."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed; return the seconds waited."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait:
            time.sleep(wait)
        return wait


class _SafeToRetry(Exception):
    """Internal marker: a transport failure after which repeating the request is safe."""

    def __init__(self, cause: requests.RequestException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), capped and never negative."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError):
            return None
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def error_from_response(response: requests.Response, policy: RetryPolicy) -> WhatsAppAPIError:
    """Build the most specific error for a non-2xx answer: Graph JSON where present, else status and text."""
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    try:
        body: Any = response.json()
    except (ValueError, json.JSONDecodeError):
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(error, dict) and isinstance(code, int):
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        subcode = error.get("error_subcode")
        cls = error_class_for(status, code, subcode if isinstance(subcode, int) else None)
        message = str(error.get("message") or error.get("error_user_msg") or f"HTTP {status}")
        fbtrace_id = error.get("fbtrace_id")
    else:
        code = None
        details = None
        subcode = None
        fbtrace_id = None
        message = _maton_message(error, body, response)
        no_connection = status == 400 and "connection" in message.lower()
        cls = MatonNoConnectionError if no_connection else error_class_for(status, None)
    if status == 500 and code is None:
        message = f"{message}; {EXPIRED_OAUTH_HINT}"
    retryable = _is_retryable(status, code, policy)
    return cls(
        message,
        status=status,
        code=code,
        error_subcode=subcode if isinstance(subcode, int) else None,
        details=str(details) if details is not None else None,
        fbtrace_id=str(fbtrace_id) if fbtrace_id else None,
        retry_after=retry_after,
        retryable=retryable,
    )


def _maton_message(error: Any, body: Any, response: requests.Response) -> str:
    """A readable message from Maton's own (undocumented) error body, or from a non-JSON page."""
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str):
        return error
    if isinstance(body, dict):
        for key in ("message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    text = " ".join(_TAGS.sub(" ", response.text).split())[:200]
    reason = response.reason or "error"
    return f"HTTP {response.status_code} {reason}" + (f": {text}" if text else "")


_TAGS = re.compile(r"<[^>]*>")


def _is_retryable(status: int, code: int | None, policy: RetryPolicy) -> bool:
    """Whether repeating the same request is safe and may succeed."""
    if status == 429 or code in TRANSIENT_CODES:
        return True
    return policy is RetryPolicy.IDEMPOTENT and status >= 500


def _retry_wait(retry_state: RetryCallState) -> float:
    """Exponential backoff with full jitter, but never shorter than the server's ``Retry-After``."""
    backoff = wait_random_exponential(multiplier=0.5, max=30)(retry_state)
    outcome = retry_state.outcome
    error = outcome.exception() if outcome is not None else None
    if isinstance(error, WhatsAppAPIError) and error.retry_after is not None:
        return max(error.retry_after, min(backoff, 1.0))
    return backoff


def _summary(error: BaseException | None) -> str:
    """Class, status and code of a failure, without the gateway's message (it may quote a number)."""
    if isinstance(error, WhatsAppAPIError):
        parts = [type(error).__name__]
        parts += [f"HTTP {error.status}"] if error.status is not None else []
        parts += [f"code {error.code}"] if error.code is not None else []
        return ", ".join(parts)
    cause = error.cause if isinstance(error, _SafeToRetry) else error
    return type(cause).__name__


def _should_retry(error: BaseException) -> bool:
    if isinstance(error, WhatsAppAPIError):
        return error.retryable
    return isinstance(error, _SafeToRetry)


def call_with_retries(
    attempt: Callable[[], T],
    *,
    max_retries: int,
    description: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt`` until it succeeds or fails for good, retrying what ``attempt`` marks retryable."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s failed (%s); retry %d of %d in %.2fs",
            description,
            _summary(error),
            state.attempt_number,
            max_retries,
            wait,
        )

    retrying = Retrying(
        stop=stop_after_attempt(max_retries + 1),
        wait=_retry_wait,
        retry=retry_if_exception(_should_retry),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except _SafeToRetry as failed:
        raise WhatsAppServerError(
            f"{description}: could not reach the gateway ({type(failed.cause).__name__})",
            retryable=True,
        ) from failed.cause


def classify_transport_error(
    error: requests.RequestException, policy: RetryPolicy, *, retry_unknown_outcome: bool, description: str
) -> Exception:
    """Map a requests exception to what the retry loop should see.

    Connect errors are always safe to retry. A read timeout or a cut response is safe only for
    idempotent calls (or when the caller opted in); otherwise the outcome is unknown.
    """
    connect_failed = isinstance(error, requests.ConnectTimeout) or (
        isinstance(error, requests.ConnectionError)
        and not isinstance(error, requests.ReadTimeout)
        and _never_sent(error)
    )
    if connect_failed or policy is RetryPolicy.IDEMPOTENT or retry_unknown_outcome:
        return _SafeToRetry(error)
    return WhatsAppUnknownOutcomeError(
        f"{description}: the gateway may have accepted the request, but no answer arrived "
        f"({type(error).__name__}); not sent again to avoid a duplicate. Check the recipient's "
        "conversation or status webhooks, or retry explicitly with retry_unknown_outcome=True."
    )


def _never_sent(error: requests.ConnectionError) -> bool:
    """True when the TCP connection could not be opened (refused, DNS, connect timeout)."""
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectTimeoutError | NameResolutionError):
            return True
        reason = getattr(current, "reason", None)
        nested = reason if isinstance(reason, BaseException) else None
        current = nested or (
            current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        )
    return False
