"""One error hierarchy for everything the provider raises.

Local input problems raise :class:`WhatsAppValidationError` before any request is made. Answers from
the gateway raise :class:`WhatsAppAPIError` or one of its named subclasses, chosen by HTTP status and
Graph error code, so that DAG authors can catch what they handle (the 24-hour window, templates,
rate limits) and let the rest fail the task. A request that got no answer raises
:class:`WhatsAppNetworkError` (nothing reached the gateway, or a read that may be repeated) or, for a
send the gateway may have accepted, :class:`WhatsAppUnknownOutcomeError`.

Every error carries ``retryable``: whether repeating the same request is safe and may succeed (stripe's
``should_retry``). The retry loop reads only that flag. No exception ever carries the API key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class WhatsAppError(Exception):
    """Base class of every error raised by this provider.

    ``retryable``: whether the same request may be repeated without harm and may then succeed.
    """

    retryable: bool = False


class WhatsAppValidationError(WhatsAppError, ValueError):
    """Input breaks a documented rule; nothing was sent.

    ``errors`` lists each problem as ``(field, rule)``, e.g. ``("text.body", "at most 4096 characters")``.
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {rule}" if field else rule for field, rule in errors))


class WhatsAppUnknownOutcomeError(WhatsAppError):
    """A send may or may not have been accepted (read timeout, a response cut short, an unreadable 2xx).

    The message is not sent again automatically, because the gateway may already have accepted it:
    check the recipient's conversation or status webhooks, or opt in to a retry explicitly
    (``retry_unknown_outcome=True`` makes it ``retryable``).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class WhatsAppNetworkError(WhatsAppError):
    """No answer came: the gateway could not be reached (refused, DNS, TLS handshake, connect timeout), or
    an idempotent call lost its answer. ``url`` is where the request went (never with the key).
    """

    def __init__(self, message: str, *, url: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.url = url
        self.retryable = retryable


class WhatsAppAPIError(WhatsAppError):
    """The gateway or the Cloud API answered with an error.

    Carries the HTTP ``status``, Graph's ``code``, ``error_subcode``, ``details`` and ``fbtrace_id``
    where the body had them, and ``retryable``: whether the same request may succeed if repeated.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        error_subcode: int | None = None,
        details: str | None = None,
        fbtrace_id: str | None = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.error_subcode = error_subcode
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.retry_after = retry_after
        if retryable is not None:
            self.retryable = retryable
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [self.message]
        if self.details and self.details not in self.message:
            parts.append(f"details: {self.details}")
        tags = [f"HTTP {self.status}"] if self.status is not None else []
        if self.code is not None:
            tags.append(f"code {self.code}" + (f"/{self.error_subcode}" if self.error_subcode else ""))
        if self.fbtrace_id:
            tags.append(f"fbtrace_id {self.fbtrace_id}")
        return " - ".join(parts) + (f" ({', '.join(tags)})" if tags else "")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary, e.g. for per-recipient failure reports."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "status": self.status,
            "code": self.code,
            "error_subcode": self.error_subcode,
            "details": self.details,
            "fbtrace_id": self.fbtrace_id,
            "retryable": self.retryable,
        }


class MatonAuthError(WhatsAppAPIError):
    """The Maton API key is missing or unknown (HTTP 401), or the OAuth token was refused (code 190)."""


class MatonNoConnectionError(WhatsAppAPIError):
    """The key has no ACTIVE whatsapp-business connection, or ``Maton-Connection`` names an unknown one."""


class WhatsAppRateLimitError(WhatsAppAPIError):
    """Too many requests (HTTP 429, codes 4, 80007, 130429, 131056, 133016). ``retry_after`` in seconds."""

    retryable = True


class WhatsAppServerError(WhatsAppAPIError):
    """The gateway or the Cloud API failed (HTTP 5xx, or Graph codes 1, 2, 131000, 131016).

    ``retryable`` says whether repeating the request is safe: true for reads, false for a send that
    the gateway may already have accepted.
    """

    retryable = True


class WhatsAppNotFoundError(WhatsAppAPIError):
    """The object (media, template, phone number, connection) does not exist (HTTP 404, code 100/33)."""


class WhatsAppOutsideWindowError(WhatsAppAPIError):
    """Free-form message to a customer who has not written within 24 hours (131047): send a template."""


class WhatsAppTemplateError(WhatsAppAPIError):
    """The template is missing in that language, not approved, paused or disabled (132001 and kin)."""


class WhatsAppTemplateParameterError(WhatsAppAPIError):
    """The template's parameters do not match its definition (132000, 132012, 132018)."""


class WhatsAppRecipientError(WhatsAppAPIError):
    """The recipient cannot receive the message (131026 undeliverable, 131030 not allowed, 131021 self)."""


class WhatsAppInvalidRequestError(WhatsAppAPIError):
    """The Cloud API rejected a parameter (codes 100, 131008, 131009)."""


_BY_CODE: Mapping[int, type[WhatsAppAPIError]] = {
    190: MatonAuthError,
    4: WhatsAppRateLimitError,
    80007: WhatsAppRateLimitError,
    130429: WhatsAppRateLimitError,
    131056: WhatsAppRateLimitError,
    133016: WhatsAppRateLimitError,
    1: WhatsAppServerError,
    2: WhatsAppServerError,
    131000: WhatsAppServerError,
    131016: WhatsAppServerError,
    131047: WhatsAppOutsideWindowError,
    132001: WhatsAppTemplateError,
    132005: WhatsAppTemplateError,
    132007: WhatsAppTemplateError,
    132015: WhatsAppTemplateError,
    132016: WhatsAppTemplateError,
    132000: WhatsAppTemplateParameterError,
    132012: WhatsAppTemplateParameterError,
    132018: WhatsAppTemplateParameterError,
    131026: WhatsAppRecipientError,
    131030: WhatsAppRecipientError,
    131021: WhatsAppRecipientError,
    100: WhatsAppInvalidRequestError,
    131008: WhatsAppInvalidRequestError,
    131009: WhatsAppInvalidRequestError,
}


#: Graph's "object with ID ... does not exist" (code 100, subcode 33).
_MISSING_OBJECT_SUBCODE = 33


def error_class_for(status: int, code: int | None, subcode: int | None = None) -> type[WhatsAppAPIError]:
    """Pick the most specific error class for an HTTP status and a Graph error code and subcode."""
    if code is not None and code in _BY_CODE:
        cls = _BY_CODE[code]
        if cls is WhatsAppInvalidRequestError and (status == 404 or subcode == _MISSING_OBJECT_SUBCODE):
            return WhatsAppNotFoundError
        return cls
    if status == 401:
        return MatonAuthError
    if status == 429:
        return WhatsAppRateLimitError
    if status == 404:
        return WhatsAppNotFoundError
    if status >= 500:
        return WhatsAppServerError
    return WhatsAppAPIError
