"""HTTP mechanics under the hook: pacing, safe retries and turning failures into the provider's errors.

Two retry policies, because a repeated GET is harmless and a repeated message send is not:

* ``IDEMPOTENT`` (GET, DELETE, edits): retry on 429, 5xx, connection errors and timeouts.
* ``SEND`` (POST that creates something): retry only when the request provably was not accepted:
  nothing reached the gateway (refused, DNS, TLS handshake, connect timeout), 429, or a documented
  transient Graph code. After a read timeout or a response cut short, the outcome is unknown: raise
  :class:`WhatsAppUnknownOutcomeError` instead of sending again, unless the caller opted in.

Every failure becomes a provider error where it happens, with ``retryable`` set; the retry loop reads
only that flag. Backoff is exponential with jitter (tenacity) and honours ``Retry-After``.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import re
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationValueError,
    NameResolutionError,
    NewConnectionError,
    SSLError,
)
from urllib3.response import BaseHTTPResponse

from airflow_provider_whatsapp.exceptions import (
    MatonNoConnectionError,
    WhatsAppAPIError,
    WhatsAppError,
    WhatsAppNetworkError,
    WhatsAppUnknownOutcomeError,
    error_class_for,
)
from airflow_provider_whatsapp.utils.phone import redact_number

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Graph codes that mean "not processed, try again later": rate limits and temporary unavailability.
TRANSIENT_CODES = frozenset({2, 4, 80007, 130429, 131016, 131056, 133016})
MAX_RETRY_AFTER_SECONDS = 300.0
EXPIRED_OAUTH_HINT = (
    "a Maton 500 is often an expired OAuth grant: create a new connection at the control plane "
    "(MatonCreateConnectionOperator or POST /connections) and point the Airflow connection at it"
)
#: What urllib3 raises for a URL (or a proxy's) it cannot use: nothing left, and trying again fails alike.
_NOT_BUILT = (LocationValueError,)
#: What urllib3 raises when no byte of the request can have reached the server. A ``ProxyError`` is
#: not one by itself: urllib3 also raises it for a connection the proxy dropped after the request was
#: written; its cause (a refused connection, say) tells.
_NEVER_SENT = (NewConnectionError, ConnectTimeoutError, NameResolutionError)


class RetryPolicy(enum.Enum):
    """Which failures may be retried for a request."""

    IDEMPOTENT = "idempotent"
    SEND = "send"


class TokenBucket:
    """Thread-safe token bucket: ``acquire()`` blocks until a request may go out at ``rate`` per second.

    The rate adapts to the gateway (additive increase, multiplicative decrease): a 429 halves it (not
    below a tenth of the configured rate) and empties the burst; each success adds back a twentieth of
    the configured rate, up to it. So several senders sharing one account settle under its limit.
    """

    #: The lowest a 429 may take the rate, as a fraction of the configured one.
    FLOOR = 0.1
    #: What each success gives back, as a fraction of the configured rate.
    STEP = 0.05

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.target = rate
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed; return the seconds waited."""
        if self.target <= 0:
            return 0.0
        with self._lock:
            self._refill()
            self._tokens -= 1.0
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait:
            self._sleep(wait)
        return wait

    def slow_down(self) -> None:
        """The gateway answered 429: halve the rate and give up the saved burst."""
        if self.target <= 0:
            return
        with self._lock:
            self._refill()
            self.rate = max(self.target * self.FLOOR, self.rate / 2)
            self._tokens = min(self._tokens, 0.0)

    def speed_up(self) -> None:
        """A request went through: move the rate back towards the configured one."""
        if self.rate < self.target:
            with self._lock:
                self._refill()
                self.rate = min(self.target, self.rate + self.target * self.STEP)

    def _refill(self) -> None:
        """Add the tokens earned since the last update at the rate that held meanwhile, so that a
        change of rate counts only from now on (called with the lock held)."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now


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


def where(url: str) -> str:
    """``scheme://host:port/path`` of a URL, for error texts: no query (it may carry cursors or names)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}{parts.path}"


def error_from_response(
    response: BaseHTTPResponse, policy: RetryPolicy, numbers: Sequence[str] = ()
) -> WhatsAppAPIError:
    """The most specific error for a non-2xx answer: Graph JSON where present, else status and text.

    ``numbers`` (the recipient) are masked in every text of the error as it is built: Graph's messages
    can quote them.
    """
    status = response.status
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    try:
        body: Any = json.loads(response.data or b"")
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    subcode: Any = None
    details: Any = None
    fbtrace_id: Any = None
    if isinstance(error, dict) and isinstance(code, int):
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        subcode = error.get("error_subcode")
        subcode = subcode if isinstance(subcode, int) else None
        cls = error_class_for(status, code, subcode)
        message = str(error.get("message") or error.get("error_user_msg") or f"HTTP {status}")
        fbtrace_id = error.get("fbtrace_id")
    else:
        code = None
        message = _maton_message(error, body, response)
        no_connection = status == 400 and "connection" in message.lower()
        cls = MatonNoConnectionError if no_connection else error_class_for(status, None)
    if status == 500 and code is None:
        message = f"{message}; {EXPIRED_OAUTH_HINT}"
    return cls(
        redact_number(message, *numbers),
        status=status,
        code=code,
        error_subcode=subcode,
        details=None if details is None else redact_number(str(details), *numbers),
        fbtrace_id=str(fbtrace_id) if fbtrace_id else None,
        retry_after=retry_after,
        retryable=_is_retryable(status, code, policy),
    )


def _maton_message(error: Any, body: Any, response: BaseHTTPResponse) -> str:
    """A readable message from Maton's own (undocumented) error body, or from a non-JSON page."""
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str):
        return error
    if isinstance(body, dict):
        for key in ("message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    text = " ".join(_TAGS.sub(" ", (response.data or b"").decode("utf-8", "replace")).split())[:200]
    reason = response.reason or "error"
    return f"HTTP {response.status} {reason}" + (f": {text}" if text else "")


_TAGS = re.compile(r"<[^>]*>")


def _is_retryable(status: int, code: int | None, policy: RetryPolicy) -> bool:
    """Whether repeating the same request is safe and may succeed."""
    if status == 429 or code in TRANSIENT_CODES:
        return True
    return policy is RetryPolicy.IDEMPOTENT and status >= 500


def transport_error(
    error: Exception,
    *,
    url: str,
    policy: RetryPolicy,
    retry_unknown_outcome: bool,
    description: str,
) -> WhatsAppError:
    """The provider's error for a request that got no answer.

    A request that could not be built, or whose connection never opened (refused, DNS, TLS handshake,
    connect timeout), reached nobody: a :class:`WhatsAppNetworkError`, retryable unless building it is
    what failed. After the request may have left, a read is still retryable; a send's outcome is unknown.
    """
    target = where(url)
    cause = _root_cause(error)
    if isinstance(error, _NOT_BUILT):
        return WhatsAppNetworkError(
            f"{description}: not sent, the request to {target} could not be built ({cause})",
            url=target,
            retryable=False,
        )
    if _never_sent(error):
        return WhatsAppNetworkError(
            f"{description}: gateway unreachable at {target} ({cause}); nothing was sent", url=target
        )
    if policy is RetryPolicy.IDEMPOTENT:
        return WhatsAppNetworkError(f"{description}: no answer from {target} ({cause})", url=target)
    return WhatsAppUnknownOutcomeError(
        f"{description}: the gateway at {target} may have accepted the request, but no answer arrived "
        f"({cause}); not sent again to avoid a duplicate. Check the recipient's conversation or status "
        "webhooks, or retry explicitly with retry_unknown_outcome=True.",
        retryable=retry_unknown_outcome,
    )


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and what it wraps: urllib3 nests its reasons in ``reason``, ``original_error`` (a
    ``ProxyError``) and ``args[0]``."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        reason = getattr(current, "reason", None) or getattr(current, "original_error", None)
        nested = reason if isinstance(reason, BaseException) else None
        first = current.args[0] if current.args else None
        current = nested or (first if isinstance(first, BaseException) else None) or current.__cause__
    return chain


def _root_cause(error: BaseException) -> str:
    """The innermost cause by name, e.g. ``ConnectionRefusedError``, without its text (it holds URLs)."""
    return type(_causes(error)[-1]).__name__


def _never_sent(error: Exception) -> bool:
    """True when no byte of the request can have reached the gateway. A TLS error, to the gateway or
    to an https proxy (inside a ``ProxyError``), tells by where it came from."""
    for cause in _causes(error):
        if isinstance(cause, (SSLError, ssl.SSLError)):
            return _in_tls_handshake(cause)
        if isinstance(cause, _NEVER_SENT):
            return True
    return False


def _in_tls_handshake(error: BaseException) -> bool:
    """True when the TLS error came from the handshake, before the request was written: a refused
    certificate, or raised in ssl's ``do_handshake``. A TLS error while the answer is read comes after
    the whole request reached the gateway."""
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        frames = traceback.walk_tb(cause.__traceback__)
        if isinstance(cause, ssl.SSLError) and any(f.f_code.co_name == "do_handshake" for f, _ in frames):
            return True
    return False


def _retry_wait(retry_state: RetryCallState) -> float:
    """Exponential backoff with full jitter, but never shorter than the server's ``Retry-After``."""
    backoff = wait_random_exponential(multiplier=0.5, max=30)(retry_state)
    outcome = retry_state.outcome
    error = outcome.exception() if outcome is not None else None
    if isinstance(error, WhatsAppAPIError) and error.retry_after is not None:
        return max(error.retry_after, min(backoff, 1.0))
    return backoff


def _summary(error: BaseException | None, description: str) -> str:
    """Class, status and code of a failure, without the gateway's message (it may quote a number)."""
    if isinstance(error, WhatsAppAPIError):
        parts = [type(error).__name__]
        parts += [f"HTTP {error.status}"] if error.status is not None else []
        parts += [f"code {error.code}"] if error.code is not None else []
        return ", ".join(parts)
    if isinstance(error, WhatsAppNetworkError):
        return str(error).removeprefix(f"{description}: ")
    return type(error).__name__


def _should_retry(error: BaseException) -> bool:
    return isinstance(error, WhatsAppError) and error.retryable


def call_with_retries(
    attempt: Callable[[], T],
    *,
    max_retries: int,
    description: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``attempt`` until it succeeds or fails for good, retrying the errors marked ``retryable``.

    The first attempt runs by itself: nearly every call succeeds at once, and tenacity's loop would
    cost it a tenth of a send's CPU. A retryable failure enters the loop as its first attempt.
    """
    try:
        return attempt()
    except WhatsAppError as error:
        if not error.retryable or max_retries <= 0:
            raise
        first: WhatsAppError | None = error

    def again() -> T:
        nonlocal first
        if first is not None:
            error, first = first, None
            raise error
        return attempt()

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s failed (%s); retry %d of %d in %.2fs",
            description,
            _summary(error, description),
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
    return retrying(again)
